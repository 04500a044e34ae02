# regio route --stops: a 10-stop TSPLIB-style (EUC_2D, --round nearest) tour
# whose optimum, 254, was checked by brute force over all 9!/2 tours (the
# next best is 256); then the depot option and input errors.
set +e
t() { sed -E 's/[0-9]+\.[0-9]+ s$/T s/' "$1"; }
"$REGIO" route --stops data/route_stops10.csv --round nearest --out tour.csv 2>err.txt; echo "exit $?"
t err.txt
cat tour.csv
# unrounded Euclidean legs: another total (TSPLIB rounding changes costs)
"$REGIO" route --stops data/route_stops10.csv 2>err.txt | tail -n 1; echo "exit $?"
t err.txt
# another depot: the same cycle, started elsewhere
"$REGIO" route --stops data/route_stops10.csv --round nearest --depot S05 2>err.txt; echo "exit $?"
t err.txt
"$REGIO" route --stops data/route_stops10.csv --depot NOPE; echo "exit $?"
"$REGIO" route --stops data/route_stops10.csv --metric manhattan; echo "exit $?"
"$REGIO" route --stops missing.csv; echo "exit $?"
"$REGIO" route data/route_vroom2.json --stops data/route_stops10.csv 2>err.txt; echo "exit $?"
head -n 1 err.txt
printf 'id,x,y,tw_start\nD,0,0,\nA,3,4,9:75\n' > bad.csv
"$REGIO" route --stops bad.csv; echo "exit $?"
