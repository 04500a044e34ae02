# Design on a small point set: deterministic alignment, a report that
# agrees with the design's, realign from a hand-made alignment, errors.
"$REGIO" design --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --k 2 --balance accounts --tolerance 0.2 --out a.csv --report r.json 2>/dev/null
cat a.csv
"$REGIO" design --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --k 2 --balance accounts --tolerance 0.2 --out b.csv 2>/dev/null
cmp a.csv b.csv && echo "same seed, same alignment"
"$REGIO" report --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --alignment a.csv --balance accounts --tolerance 0.2 --format csv
printf 'unit_id,territory\nU1,East\nU2,East\nU3,East\nU4,West\nU5,West\n' > cur.csv
"$REGIO" report --units data/units_small.csv --adjacency data/units_small_adjacency.csv \
  --alignment cur.csv --balance accounts --format text
set +e
"$REGIO" design --units data/units_small.csv --k 2 --balance nope --out x.csv; echo "exit $?"
"$REGIO" design --units data/units_small.csv --k 9 --balance accounts --out x.csv; echo "exit $?"
printf 'unit_id,territory\nU1,East\nU9,West\n' > bad.csv
"$REGIO" report --units data/units_small.csv --alignment bad.csv --balance accounts; echo "exit $?"
"$REGIO" design --units data/units_small.csv --balance accounts --out x.csv; echo "exit $?"
