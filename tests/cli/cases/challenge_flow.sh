# `regio challenge`: what a planning model changes for the members of the
# model in force (units and accounts moving into or out of their
# territories, with their measures), a rep's challenge with a reason, the
# challenges each user sees, and the state machine — open to approved (the
# counter-move through the revision guard), rejected (with a note) or
# withdrawn (by its author), and nothing else; a stale revision, one's own
# challenge, someone else's, an unknown change are refused and change
# nothing; the automatic approval within the model's balance tolerance (U1
# back leaves T01 60% above its target: open at 50%, approved at 65%); the
# audit log holds every step. The command line acts as --user.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,lat,lon,annual_revenue,potential\nA1,Acme,40.1,-100.1,1000,10\nA2,Bolt,38.01,-97.5,2000,20\nA3,Core,39.1,-99.9,3000,30\nA4,Dash,39.5,-99.5,4000,40\nA5,Echo,40.05,-99.05,5000,50\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 --measures >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
printf 'name,parent,account_access\nR,,read\nT01,R,edit\nT02,R,edit\n' > territories.csv
"$REGIO" import territories territories.csv --model plan-a >/dev/null
"$REGIO" model clone plan-a live >/dev/null
"$REGIO" model promote live --effective 2020-01-01 >/dev/null
printf 'username,name,email,role,permissions\nkim,Kim,,,\nlee,Lee,,,\nmia,Mia,,,\nops,Ops,,,manage_territories\n' > users.csv
"$REGIO" import users users.csv >/dev/null
"$REGIO" org member add --user kim --territory T01 --role owner
"$REGIO" org member add --user lee --territory T02 --role owner
"$REGIO" org member add --user mia --territory R --role manager
"$REGIO" export alignment --model live --out - 2>/dev/null
"$REGIO" model move plan-a --unit U2 --to T02 >/dev/null
"$REGIO" model move plan-a --account A3 --to T01 >/dev/null
echo "== what plan-a changes"
"$REGIO" challenge changes --model plan-a --user kim
"$REGIO" challenge changes --model plan-a --user lee --format json
"$REGIO" challenge changes --model plan-a --user mia
"$REGIO" challenge changes --model plan-a --user ops
echo "== kim challenges U2; mia approves"
"$REGIO" challenge raise --model plan-a --user kim --unit U2 --reason "I have called on U2 for years"
"$REGIO" challenge list --user kim
"$REGIO" challenge list --user mia
"$REGIO" challenge list --user lee
set +e
"$REGIO" challenge raise --model plan-a --user kim --unit U2 --reason "again"; echo "exit $?"
"$REGIO" challenge raise --model plan-a --user kim --unit U5 --reason "not moved"; echo "exit $?"
"$REGIO" challenge raise --model plan-a --user lee --account A3 --reason "   "; echo "exit $?"
"$REGIO" challenge approve 1 --user kim; echo "exit $?"
"$REGIO" challenge approve 1 --user lee; echo "exit $?"
"$REGIO" challenge withdraw 1 --user mia; echo "exit $?"
"$REGIO" challenge approve 1 --user mia --revision 3; echo "exit $?"
set -e
"$REGIO" challenge approve 1 --user mia --note "agreed"
"$REGIO" export alignment --model plan-a --out - 2>/dev/null | grep U2
"$REGIO" challenge changes --model plan-a --user kim
set +e
"$REGIO" challenge approve 1 --user ops; echo "exit $?"
"$REGIO" challenge reject 1 --user mia --note "changed my mind"; echo "exit $?"
"$REGIO" challenge withdraw 1 --user kim; echo "exit $?"
set -e
echo "== lee challenges A3: rejected; again: withdrawn"
"$REGIO" challenge raise --model plan-a --user lee --account A3 --reason "Core is my client"
"$REGIO" challenge reject 2 --user mia --note "kim's route passes Core"
"$REGIO" challenge raise --model plan-a --user lee --account A3 --reason "please look again"
"$REGIO" challenge withdraw 3 --user lee
"$REGIO" challenge list --user lee --status all
echo "== automatic approval"
"$REGIO" challenge auto --model plan-a
"$REGIO" challenge auto --model plan-a --on --tolerance 0.5
"$REGIO" model move plan-a --unit U1 --to T02 >/dev/null
"$REGIO" challenge raise --model plan-a --user kim --unit U1 --reason "U1 is next door"
"$REGIO" export alignment --model plan-a --out - 2>/dev/null | grep U1
"$REGIO" challenge withdraw 4 --user kim
"$REGIO" challenge auto --model plan-a --on --tolerance 0.65
"$REGIO" challenge raise --model plan-a --user kim --unit U1 --reason "U1 is next door"
"$REGIO" export alignment --model plan-a --out - 2>/dev/null | grep U1
"$REGIO" challenge auto --model plan-a --off
"$REGIO" challenge list --status all
echo "== the audit log"
"$REGIO" audit list 2>/dev/null | awk '$4 ~ /^challenge|alignment|auto_approval/ {print $3, $4, $5, $6}'
"$REGIO" audit verify | sed -E 's/[0-9]+ records/N records/'
echo "== usage"
set +e
"$REGIO" challenge changes --model plan-a; echo "exit $?"
"$REGIO" challenge raise --model plan-a --user kim --unit U1 --account A1 --reason x; echo "exit $?"
"$REGIO" challenge reject 2 --user mia; echo "exit $?"
"$REGIO" challenge approve --user mia; echo "exit $?"
"$REGIO" challenge list --status maybe; echo "exit $?"
"$REGIO" challenge decide 1; echo "exit $?"
"$REGIO" challenge changes --model plan-a --user nobody; echo "exit $?"
"$REGIO" challenge changes --model nope --user kim; echo "exit $?"
"$REGIO" challenge changes --model plan-a --user kim --at 2019-12-31; echo "exit $?"
"$REGIO" challenge list --user kim --at 31.12.2030; echo "exit $?"
"$REGIO" challenge auto --model plan-a --at 2030-01-01; echo "exit $?"
