# Accounts are placed into the nearest point unit within --max-km (50 km by
# default); one far from every unit stays unplaced.
"$REGIO" import units data/units_small.csv --quiet
printf 'id,lat,lon\nA1,40.1,-100.1\nA2,38.01,-97.5\nA3,10,10\nA4,39.5,-99.5\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode
"$REGIO" export accounts | cut -d, -f1,18
"$REGIO" assign units --max-km 80 --measures
"$REGIO" export accounts | cut -d, -f1,18
"$REGIO" export units | cut -d, -f1,6-
