# A weighted index of two measures (--index-weights): the summary line gives
# the index's balance (the weight-averaged deviation of its measures) and
# each measure's beside it; the report's per-territory deviations let the
# index be checked by hand.
"$REGIO" design --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --k 3 --balance accounts,workload --index-weights 0.6,0.4 --tolerance 0.2 --out a.csv 2>&1 |
  sed 's/; [0-9.]* s$//'
"$REGIO" report --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --alignment a.csv --balance accounts,workload --format csv |
  awk -F, 'NR > 1 { printf "%s index dev %.4f\n", $1, 0.6 * $4 + 0.4 * $6 }'
