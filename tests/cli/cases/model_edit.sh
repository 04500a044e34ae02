# `regio model lock|unlock|move`: edits through the library's loaded model,
# guarded like the API's (locked units, stale --revision, unknown units and
# territories, an active model is not editable), each followed by the
# METRICS.md summary; account moves give and remove manual overrides.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,lat,lon\nA1,40.1,-100.1\nA2,38.01,-97.5\nA3,39.1,-99.9\nA4,39.5,-99.5\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
"$REGIO" export alignment --model plan-a
"$REGIO" model lock plan-a U3 U4
"$REGIO" model move plan-a --unit U2 --to T01
"$REGIO" model move plan-a --account A1 --to T01 --revision 7
"$REGIO" model move plan-a --account A1 --clear
"$REGIO" model move plan-a --account A1 --to -
"$REGIO" model unlock plan-a U4 --revision 10
"$REGIO" model move plan-a --unit U4 --to T02
set +e
"$REGIO" model move plan-a --unit U3 --to T02; echo "exit $?"
"$REGIO" model move plan-a --unit U5 --to T01 --revision 3; echo "exit $?"
"$REGIO" model lock plan-a U5 --revision 99; echo "exit $?"
"$REGIO" model move plan-a --unit U9 --to T01; echo "exit $?"
"$REGIO" model move plan-a --unit U5 --to T09; echo "exit $?"
"$REGIO" model lock plan-a U9; echo "exit $?"
"$REGIO" model move nope --unit U5 --to T01; echo "exit $?"
"$REGIO" model promote plan-a --effective 2026-01-01 >/dev/null
"$REGIO" model move plan-a --unit U5 --to T01; echo "exit $?"
"$REGIO" model unlock plan-a U3; echo "exit $?"
"$REGIO" model move plan-a --unit U5; echo "exit $?"
"$REGIO" model move plan-a --unit U5 --account A1 --to T01; echo "exit $?"
"$REGIO" model lock plan-a; echo "exit $?"
"$REGIO" model lock plan-a U1 --revision -1; echo "exit $?"
"$REGIO" model clone plan-a x --revision 1; echo "exit $?"
"$REGIO" model frobnicate; echo "exit $?"
"$REGIO" export alignment --model plan-a
