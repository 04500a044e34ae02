# Proposals and reasons (issue 14): a 10 x 10 lattice designed into 4
# territories, then the accounts of its first three rows doubled. `regio
# realign --proposals 3` saves up to 3 realigns on the front of disruption
# vs balance as models re-1.., prints the summary table and writes the front
# as JSON; each saved model measured again by `regio report` gives the
# table's figures; the text report says why each unit moved; a design's
# front is travel vs balance; bad values are refused.
awk 'BEGIN {
  print "id,name,lat,lon,accounts,revenue"
  for (r = 0; r < 10; r++) for (c = 0; c < 10; c++) {
    i = r * 10 + c
    printf "G%02d,g%d,%.2f,%.2f,%d,%d\n", i, i, 40 + r * 0.1, -100 + c * 0.1, 1 + (i * 7) % 5, 1000 * (1 + (i * 5 + 3) % 9)
  } }' > units.csv
awk 'BEGIN { print "a,b"
  for (r = 0; r < 10; r++) for (c = 0; c < 10; c++) { i = r * 10 + c
    if (c < 9) printf "G%02d,G%02d\n", i, i + 1
    if (r < 9) printf "G%02d,G%02d\n", i, i + 10 } }' > adj.csv
"$REGIO" import units units.csv --adjacency adj.csv --quiet
"$REGIO" design --k 4 --balance accounts --tolerance 0.03 --model base 2>&1 | sed 's/; [0-9.]* s$//'
awk -F, 'NR > 1 && $1 < "G30" { $5 = $5 * 2 } { print }' OFS=, units.csv > drift.csv
"$REGIO" import units drift.csv --adjacency adj.csv --quiet
echo "== realign --proposals 3"
"$REGIO" realign --from-model base --balance accounts --tolerance 0.03 --max-moved 0.2 \
  --proposals 3 --model re --report front.json 2>&1 | sed 's/runs, [0-9.]* s)/runs)/'
echo "== each proposal measured again"
for m in $(grep -o '"name": "re-[0-9]*"' front.json | cut -d'"' -f4); do
  "$REGIO" report --model "$m" --from-model base --balance accounts --format text |
    grep -E "^  accounts|disruption" | sed "s/^/$m: /"
done
echo "== the front as JSON"
grep -o '"front": "[^"]*"' front.json
grep -o '{"proposal": [0-9], "name": "[^"]*", "status": "[^"]*"' front.json
grep -o '"reasons": {[^}]*}' front.json
echo "== why units moved: the single answer (the front's least disruptive end here)"
"$REGIO" realign --from-model base --balance accounts --tolerance 0.03 --max-moved 0.2 \
  --model single --report single.txt --format text 2>/dev/null || true
sed -n '/why units moved/,$p' single.txt
echo "== the saved model's report lists the same reasons, as saved with it"
"$REGIO" report --model single --balance accounts --tolerance 0.03 --format text |
  sed -n '/^why units are where/,$p'
echo "== a design's front"
"$REGIO" design --k 4 --balance accounts --tolerance 0.03 --proposals 2 --out d.csv 2>&1 |
  sed 's/runs, [0-9.]* s)/runs)/'
head -3 d-1.csv
echo "== bad values"
set +e
"$REGIO" realign --from-model base --balance accounts --proposals 0 --model x; echo "exit $?"
"$REGIO" design --k 4 --balance accounts --proposals 3 --out -; echo "exit $?"
"$REGIO" realign --from-model base --balance accounts --proposals 2 --model re; echo "exit $?"
