# Independent check of the RFM figures and quintile scores from the raw CSV (Python csv module only).
import csv, gzip, datetime, sys
from collections import defaultdict
from decimal import Decimal
path = sys.argv[1]
inv = defaultdict(set); last = {}; money = defaultdict(Decimal)
with gzip.open(path, 'rt', encoding='utf-8', newline='') as f:
    for row in csv.DictReader(f):
        if not row['CustomerID'] or row['InvoiceNo'].startswith('C'):
            continue
        cid = str(int(float(row['CustomerID'])))
        day = datetime.datetime.strptime(row['InvoiceDate'], '%Y-%m-%d %H:%M:%S').date()  # UK local time
        inv[cid].add(row['InvoiceNo'])
        money[cid] += int(row['Quantity']) * Decimal(row['UnitPrice'])
        last[cid] = max(last.get(cid, day), day)
ref = datetime.date(2011, 12, 10)
fig = {c: ((ref - last[c]).days, len(inv[c]), money[c]) for c in inv}

def quintiles(order):  # order: contacts worst first; ntile(5), then ties take the first one's score
    n = len(order); q, r = divmod(n, 5); score = {}; pos = 0
    for b in range(1, 6):
        size = q + (1 if b <= r else 0)
        for c in order[pos:pos + size]: score[c] = b
        pos += size
    return score

def scored(key, reverse):
    # contact id order breaks ties in the database; here any order works because ties share the minimum
    order = sorted(fig, key=lambda c: key(c), reverse=reverse)
    s = quintiles(order); best = {}
    for c in order: best.setdefault(key(c), s[c])
    return {c: best[key(c)] for c in fig}

R = scored(lambda c: fig[c][0], True); F = scored(lambda c: fig[c][1], False); M = scored(lambda c: fig[c][2], False)
db = {row[0]: tuple(int(x) for x in row[1:4]) for row in csv.reader(open(sys.argv[2]))}
print('customers', len(fig), 'in database', len(db))
print('score differences', sum(1 for c in fig if db.get(c) != (R[c], F[c], M[c])))
