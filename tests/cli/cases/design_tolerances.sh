# Several measures, each within a tolerance of its own (--tolerance
# NAME=T,... with one bare number for the rest): an 8 x 8 grid of units
# whose accounts, revenue and potential vary independently. The design
# must hold every measure within its own tolerance (checked from the
# report's per-territory deviations); a measure name that is not balanced
# is refused; and when one unit holds far too much revenue the design says
# that revenue blocks, and still holds the other two.
make_grid() { # make_grid HEAVY_REVENUE
  awk -v heavy="$1" 'BEGIN {
    print "id,name,lat,lon,accounts,revenue,potential"
    for (r = 0; r < 8; r++) for (c = 0; c < 8; c++) {
      i = r * 8 + c
      a = 1 + (i * 7) % 5; v = 1 + (i * 5 + 3) % 9; p = 2 + (i * 3 + 1) % 4
      if (i == 0 && heavy) v = heavy
      printf "G%02d,g%d,%.2f,%.2f,%d,%d,%d\n", i, i, 40 + r * 0.1, -100 + c * 0.1, a, v, p
    }
  }' > units.csv
  awk 'BEGIN { print "a,b"
    for (r = 0; r < 8; r++) for (c = 0; c < 8; c++) { i = r * 8 + c
      if (c < 7) printf "G%02d,G%02d\n", i, i + 1
      if (r < 7) printf "G%02d,G%02d\n", i, i + 8 } }' > adj.csv
}
check() { # every measure of --balance within its own tolerance?
  "$REGIO" report --units units.csv --adjacency adj.csv --alignment a.csv \
    --balance accounts,revenue,potential --format csv |
    awk -F, 'NR == 1 { for (q = 1; q <= NF; q++) col[$q] = q; next }
      { d["accounts"] = $col["accounts_dev"]; d["revenue"] = $col["revenue_dev"]; d["potential"] = $col["potential_dev"]
        for (m in d) { x = d[m] < 0 ? -d[m] : d[m]; if (x > worst[m]) worst[m] = x } }
      END { split("accounts 0.03 revenue 0.05 potential 0.08", t, " ")
        for (q = 1; q < 6; q += 2) printf "%s worst %.4f within %s: %s\n", t[q], worst[t[q]], t[q + 1], worst[t[q]] <= t[q + 1] + 1e-9 ? "yes" : "NO" }'
}
make_grid 0
echo "== accounts 3%, revenue 5%, the rest (potential) 8%"
"$REGIO" design --units units.csv --adjacency adj.csv --k 4 --balance accounts,revenue,potential \
  --tolerance accounts=0.03,revenue=0.05,0.08 --out a.csv --report r.json 2>&1 | sed 's/; [0-9.]* s$//'
check
grep -A4 '"tolerances"' r.json | head -2
grep '"blocking"' r.json
echo "== a measure that is not balanced"
"$REGIO" design --units units.csv --adjacency adj.csv --k 4 --balance accounts,revenue \
  --tolerance potential=0.05 --out a.csv 2>&1 || echo "exit $?"
"$REGIO" design --units units.csv --adjacency adj.csv --k 4 --balance accounts \
  --tolerance accounts=2 --out a.csv 2>&1 | head -1 || true
echo "== one unit with 3 territories' worth of revenue"
make_grid 1000
"$REGIO" design --units units.csv --adjacency adj.csv --k 4 --balance accounts,revenue,potential \
  --tolerance accounts=0.03,revenue=0.05,0.08 --out a.csv --report r.json 2>&1 | sed 's/; [0-9.]* s$//' || true
check
grep '"blocking"' r.json
"$REGIO" report --units units.csv --adjacency adj.csv --alignment a.csv \
  --balance accounts,revenue,potential --tolerance accounts=0.03,revenue=0.05,0.08 --format text | grep -i "tolerance\|blocking"
echo "== the weighted index within 8%, and accounts also within 3% on its own"
make_grid 0
"$REGIO" design --units units.csv --adjacency adj.csv --k 4 --balance accounts,revenue \
  --index-weights 0.5,0.5 --tolerance 0.08,accounts=0.03 --out a.csv --report r.json 2>&1 | sed 's/; [0-9.]* s$//'
grep '"tolerances"' r.json
