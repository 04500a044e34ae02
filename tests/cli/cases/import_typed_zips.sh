# Postal codes as people type them: ZIP codes a spreadsheet stripped of
# their leading zeros (2134, 501, 2134-1234) are restored and placed when
# the state (code or name) or the country says US; 2134 with nothing saying
# US is not placed (could be Swiss, Danish, Australian), a Canadian record
# keeps its code. Placed records without a city or state get the
# gazetteer's; a city the file gave is kept. Then the same file with
# --country US, the default for records that give no country.
cat > zips.csv <<'CSV'
id,name,city,state,zip,country
Z1,State code,,MA,2134,
Z2,State name,,Massachusetts,2134,
Z3,Nothing says US,,,2134,
Z4,Canadian,,,2134,CA
Z5,Two zeros,,NY,501,
Z6,Zip plus four,,MA,2134-1234,
Z7,City given,Boston,MA,2134,
Z8,Placed by city,Springfield,,,US
Z9,Full ZIP,,,94103,
CSV
"$REGIO" import accounts zips.csv
"$REGIO" export accounts --format csv
echo "--- again with --country US"
"$REGIO" import accounts zips.csv --country US
"$REGIO" export accounts --format csv | grep '^Z3,'
echo "--- an unknown default country"
"$REGIO" import accounts zips.csv --country Narnia || echo "exit $?"
