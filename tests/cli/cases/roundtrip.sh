# Export -> import gives back the same data: re-importing an export into
# the same store changes nothing, and into a new store exports identically.
"$REGIO" import accounts data/salesforce_accounts.csv --quiet
"$REGIO" import accounts data/hubspot_companies.csv --quiet
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
"$REGIO" export accounts --out a1.csv
"$REGIO" export units --out u1.csv
"$REGIO" export adjacency --out adj1.csv
"$REGIO" export accounts --format geojson --out a1.geojson
"$REGIO" import accounts a1.csv
"$REGIO" import accounts a1.geojson
"$REGIO" import accounts a1.csv --db second.db --quiet
"$REGIO" import units u1.csv --adjacency adj1.csv --db second.db --quiet
"$REGIO" export accounts --db second.db --out a2.csv
"$REGIO" export units --db second.db --out u2.csv
"$REGIO" export adjacency --db second.db --out adj2.csv
cmp a1.csv a2.csv && echo "accounts identical"
cmp u1.csv u2.csv && echo "units identical"
cmp adj1.csv adj2.csv && echo "adjacency identical"
