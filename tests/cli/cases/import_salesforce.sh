# A Salesforce Account export as it comes: UTF-8 BOM, CRLF, every field
# quoted, multi-line street addresses, Shipping* columns kept as custom.
"$REGIO" import accounts data/salesforce_accounts.csv
"$REGIO" export accounts --format csv
