#!/usr/bin/env bash
# RFM on the UCI "Online Retail" data loaded by docs/scripts/load-online-retail.sh: defines the model
# "online-retail" (order lines, date and cancelled flag of their order, amount quantity x unit price, cancelled
# invoices excluded, recency counted back from 2011-12-10 in UK time) unless it exists, recomputes it, and prints
# the distribution and a few customers. See docs/rfm-online-retail.md.
#
# Usage: docs/scripts/rfm-online-retail.sh [customerId ...]
#   ACTIVATION_URL      the application (default http://localhost:8080)
#   ACTIVATION_API_KEY  an admin key (default $ACTIVATION_BOOTSTRAP_API_KEY)
# Needs bash and curl.
set -euo pipefail

URL=${ACTIVATION_URL:-http://localhost:8080}
KEY=${ACTIVATION_API_KEY:-${ACTIVATION_BOOTSTRAP_API_KEY:-}}
[ -n "$KEY" ] || { echo "Set ACTIVATION_API_KEY (or ACTIVATION_BOOTSTRAP_API_KEY)" >&2; exit 1; }
CUSTOMERS=("$@")
[ ${#CUSTOMERS[@]} -gt 0 ] || CUSTOMERS=(12346 12347 12748 13047 14911 16446 17850 18102)

api() { curl -sS -f -H "Authorization: Bearer $KEY" "$@"; }

if [ "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL/api/v1/rfm-models/online-retail")" != 200 ]; then
  api -o /dev/null -H 'Content-Type: application/json' "$URL/api/v1/rfm-models" -d '{
    "name": "online-retail", "table": "order_lines",
    "dateColumn": "order_no.ordered_at", "orderColumn": "order_no",
    "amount": {"multiply": ["quantity", "unit_price"]},
    "exclude": [{"attribute": "order_no.cancelled", "op": "eq", "value": true}],
    "referenceDate": "2011-12-10", "timeZone": "Europe/London"}'
  echo "model online-retail defined"
fi
echo "recompute:    $(api -X POST "$URL/api/v1/rfm-models/online-retail/recompute")"
echo "distribution: $(api "$URL/api/v1/rfm-models/online-retail/distribution")"
for c in "${CUSTOMERS[@]}"; do
  echo "customer $c: $(api "$URL/api/v1/rfm-models/online-retail/contacts/$c")"
done
