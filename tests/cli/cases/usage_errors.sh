# Usage and input errors: clear messages, non-zero exits, nothing written.
set +e
"$REGIO" import things x.csv; echo "exit $?"
"$REGIO" import accounts missing.csv; echo "exit $?"
printf 'id,lat,lon\nX1,10,20\nX1,11,21\n' > dup.csv
"$REGIO" import accounts dup.csv; echo "exit $?"
printf 'name,lat\nfoo,1\n' > noid.csv
"$REGIO" import accounts noid.csv; echo "exit $?"
printf 'id,lat,lon\nX1,91,20\n' > range.csv
"$REGIO" import accounts range.csv; echo "exit $?"
printf 'id,lat,lon,potential\nX1,10,20,-5\n' > neg.csv
"$REGIO" import accounts neg.csv; echo "exit $?"
printf 'id,name\n"X1,broken\n' > quote.csv
"$REGIO" import accounts quote.csv; echo "exit $?"
"$REGIO" export things; echo "exit $?"
"$REGIO" frobnicate 2>/dev/null; echo "exit $?"
"$REGIO" summary | sed 1d
