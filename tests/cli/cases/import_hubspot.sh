# A HubSpot company export: its own header names, state names, a German
# company, one record that cannot be placed. Tier is mapped with --map.
"$REGIO" import accounts data/hubspot_companies.csv --map "Tier=segment"
"$REGIO" export accounts --format csv
