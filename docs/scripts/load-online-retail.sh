#!/usr/bin/env bash
# Loads the UCI "Online Retail" data set (541,909 invoice lines of a UK gift shop, Daqing Chen, CC BY 4.0) into a
# running Activation through its REST API: defines the tables products (reference), orders and order_lines
# (interaction), then imports the one CSV file four times with the mappings of the demo data set
# (activation-web/src/main/resources/demo/mappings/): customers -> contacts, products, invoices -> orders,
# lines -> order lines. Prints each import's counters and wall-clock time.
#
# Usage: docs/scripts/load-online-retail.sh [path/to/online-retail.csv[.gz]]
#   ACTIVATION_URL      the application (default http://localhost:8080)
#   ACTIVATION_API_KEY  an admin key (default $ACTIVATION_BOOTSTRAP_API_KEY)
#   EVENTS              true (default) publishes a change event per written row; false loads history silently
# Needs bash, curl, sed and grep. A gzip file is sent as it is: the server uncompresses it on the fly.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FILE=${1:-$ROOT/../shared/data/online-retail/online-retail.csv.gz}
URL=${ACTIVATION_URL:-http://localhost:8080}
KEY=${ACTIVATION_API_KEY:-${ACTIVATION_BOOTSTRAP_API_KEY:-}}
EVENTS=${EVENTS:-true}
MAPPINGS=$ROOT/activation-web/src/main/resources/demo/mappings

[ -r "$FILE" ] || { echo "No CSV file at $FILE" >&2; exit 1; }
[ -n "$KEY" ] || { echo "Set ACTIVATION_API_KEY (or ACTIVATION_BOOTSTRAP_API_KEY)" >&2; exit 1; }
case "$EVENTS" in true|false) ;; *) echo "EVENTS must be true or false" >&2; exit 1;; esac

api() { curl -sS -H "Authorization: Bearer $KEY" "$@"; }
field() { grep -o "\"$1\":[^,}]*" | head -1 | sed 's/^[^:]*://; s/"//g'; }
now() { date +%s%3N; }
seconds() { local ms=$(( $(now) - $1 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

define() { # name, JSON definition
  local status
  status=$(api -o /dev/null -w '%{http_code}' "$URL/api/v1/tables/$1")
  if [ "$status" = 200 ]; then
    echo "table $1 exists: reusing it"
  else
    api -f -o /dev/null -H 'Content-Type: application/json' -d "$2" "$URL/api/v1/tables"
    echo "table $1 defined"
  fi
}

define products '{"name": "products", "kind": "REFERENCE", "description": "The shop'"'"'s catalogue",
  "businessKey": "stock_code", "attributes": [
    {"name": "stock_code", "type": "TEXT"}, {"name": "description", "type": "TEXT"},
    {"name": "unit_price", "type": "DECIMAL"}, {"name": "in_stock", "type": "BOOLEAN"}]}'
define orders '{"name": "orders", "kind": "INTERACTION", "description": "Invoices; C-numbers are cancellations",
  "businessKey": "order_no", "timeAttribute": "ordered_at", "attributes": [
    {"name": "order_no", "type": "TEXT"}, {"name": "ordered_at", "type": "TIMESTAMP"},
    {"name": "cancelled", "type": "BOOLEAN"}, {"name": "country", "type": "TEXT"}]}'
define order_lines '{"name": "order_lines", "kind": "INTERACTION", "description": "One product of an order",
  "businessKey": "line_id", "attributes": [
    {"name": "line_id", "type": "TEXT"},
    {"name": "order_no", "type": "TEXT", "required": true, "references": "orders"},
    {"name": "stock_code", "type": "TEXT", "required": true, "references": "products"},
    {"name": "quantity", "type": "INTEGER"}, {"name": "unit_price", "type": "DECIMAL"}]}'

load() { # table
  local table=$1 answer id status body started
  sed "s/\"options\": {/\"options\": {\"events\": $EVENTS, /" "$MAPPINGS/$table.json" > "$TMP/$table.json"
  started=$(now)
  answer=$(api -w '\n%{http_code}' "$URL/api/v1/imports?table=$table" -F "file=@$FILE" \
      -F "mapping=<$TMP/$table.json;type=application/json")
  status=${answer##*$'\n'}
  body=${answer%$'\n'*}
  if [ "$status" != 202 ]; then
    echo "import into $table refused ($status): $body" >&2
    exit 1
  fi
  id=$(echo "$body" | field id)
  local polls=0
  while :; do
    sleep 2
    polls=$((polls + 1))
    body=$(api "$URL/api/v1/imports/$id")
    status=$(echo "$body" | field status)
    case "$status" in SUCCEEDED|FAILED) break;; esac
    if [ -t 1 ]; then
      printf '\r%-11s %s %-9s %5s%%' "$table" "$id" "$status" "$(echo "$body" | field percent)"
    elif [ $((polls % 5)) = 0 ]; then
      printf '%-11s %s %-9s %5s%%\n' "$table" "$id" "$status" "$(echo "$body" | field percent)"
    fi
  done
  [ -t 1 ] && printf '\r'
  printf '%-11s %s %-9s %5s s (server %s ms)\n' "$table" "$id" "$status" "$(seconds "$started")" \
      "$(echo "$body" | field durationMs)"
  echo "  lines read $(echo "$body" | field linesRead), created $(echo "$body" | field rowsCreated)," \
      "updated $(echo "$body" | field rowsUpdated), unchanged $(echo "$body" | field rowsUnchanged)," \
      "rejected $(echo "$body" | field rowsRejected), skipped $(echo "$body" | field rowsSkipped)," \
      "warnings $(echo "$body" | grep -o '"warnings":[0-9]*' | head -1 | sed 's/.*://')"
  if [ "$status" = FAILED ]; then
    echo "  $body" >&2
    exit 1
  fi
  echo "$body" | grep -o '"warnings":\[.*\],"mapping"' | sed 's/,"mapping"$//; s/^"warnings"://' | grep -v '^\[\]$' \
      | sed 's/^/  warnings: /' || true
  echo "$body" | grep -o '"errors":\[[^]]*\]' | grep -v '"errors":\[\]' | cut -c1-600 | sed 's/^/  /' || true
}

total_started=$(now)
for table in contacts products orders order_lines; do
  load "$table"
done
echo "all four imports: $(seconds "$total_started") s"
