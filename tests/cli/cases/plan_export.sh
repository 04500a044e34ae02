# `regio plan` on Regio's own export: accounts without an owner go to the
# one rep of the reps file (or --rep), --start gives calendar dates, and an
# account without a rep among several reps is named with the next step.
"$REGIO" import accounts data/accounts_good60.csv --quiet
"$REGIO" export accounts --out accounts.csv
printf 'id,name,lat,lon\nR1,Rita,40.02,-74.00\n' > one_rep.csv
printf 'id,name,lat,lon\nR1,Rita,40.02,-74.00\nR2,Ravi,40.10,-74.10\n' > two_reps.csv
# Exit 3 (written, some visits left out) is printed and goes on.
plan() {
  "$REGIO" plan "$@" 2>&1 | sed -E 's/, [0-9.]+ s$//'
  local st=${PIPESTATUS[0]}
  [ "$st" = 3 ] && { echo "(exit 3)"; return 0; }
  return "$st"
}
plan --accounts accounts.csv --reps one_rep.csv --days 10 --call-minutes 20 \
  --start 2027-01-07 --seed 1 --out plan.csv
head -4 plan.csv
echo "days and dates:"; tail -n +2 plan.csv | cut -d, -f2,7 | sort -t, -k1,1n -u | head -7
set +e
plan --accounts accounts.csv --reps two_reps.csv --days 10 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps two_reps.csv --days 10 --rep R9 --out x.csv; echo "exit $?"
plan --accounts accounts.csv --reps two_reps.csv --days 10 --start 2027-02-30 --out x.csv; echo "exit $?"
