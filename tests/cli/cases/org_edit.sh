# `regio org`: the territory tree with levels, reps and members; a role, a
# territory moved under another (cycles refused), given a level or a name; a
# membership added with dates and removed; an account associated by hand and
# no longer — each change one audited transaction, refused with the store's
# own message, and seen at once by `regio access check`.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,lat,lon,owner\nA1,40.1,-100.1,\nA2,38.01,-97.5,\nA3,39.1,-99.9,\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
"$REGIO" export alignment --model plan-a
"$REGIO" model promote plan-a --effective 2020-01-01 >/dev/null
printf 'role,parent\nboss,\nseller,boss\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
"$REGIO" org role helper --parent boss
printf 'username,name,email,role,permissions\nkim,Kim,,seller,\nbo,Bo,,boss,\n' > users.csv
"$REGIO" import users users.csv >/dev/null
"$REGIO" org territory T02 --parent T01 --access edit
"$REGIO" org member add --user kim --territory T02 --role owner
"$REGIO" org member add --user kim --territory T01 --role rep --start 2030-01-01 --inactive
"$REGIO" org tree
"$REGIO" access check --user kim --account A3 | cut -d' ' -f1
"$REGIO" org associate --account A1 --territory T02
"$REGIO" access check --user kim --account A1 | cut -d' ' -f1
"$REGIO" access check --user bo --account A1 --explain | sed 's/ (20[0-9-]*;/ (DAY;/' 
"$REGIO" org dissociate --account A1 --territory T02
"$REGIO" org member remove --user kim --territory T02 --role owner
"$REGIO" access check --user kim --account A3 | cut -d' ' -f1
set +e
"$REGIO" org territory T01 --parent T02; echo "exit $?"
"$REGIO" org territory T09 --access edit; echo "exit $?"
"$REGIO" org territory T01 --access boss; echo "exit $?"
"$REGIO" org territory T01; echo "exit $?"
"$REGIO" org role boss --parent seller; echo "exit $?"
"$REGIO" org member add --user kim --territory T01 --role chief; echo "exit $?"
"$REGIO" org member add --user nobody --territory T01 --role rep; echo "exit $?"
"$REGIO" org member add --user kim --territory T01 --role rep --start 2027-02-30; echo "exit $?"
"$REGIO" org associate --account A9 --territory T01; echo "exit $?"
"$REGIO" org associate --account A1; echo "exit $?"
"$REGIO" audit verify
