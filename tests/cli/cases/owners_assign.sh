# Territory types and account owners: `regio import types` (unique
# priorities, a lower number first; a swap within one file), the `type`
# column of `regio import territories`, and `regio owners assign`: each
# account's owner becomes the current owner member of its primary territory
# (the associated territory — geo, rule or manual — of the highest-priority
# type, ties by name), named accounts keep theirs, and the accounts that
# get no owner are listed with the reason and keep theirs. A1 is in T02
# (geo) and Health (overlay, first); A4 in T01 and T02 (both geo: T01 by
# name); A3 is named; A5 in no territory. --dry-run writes nothing; the
# owners grant access at once (regio access check).
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
cat > acc.csv <<'CSV'
id,name,lat,lon,industry,type,owner
A1,Acme Clinic,40.1,-100.1,Healthcare,customer,
A2,Bolt Retail,40.0,-99.1,Retail,customer,zoe
A3,Core Care,39.1,-99.9,Healthcare,Named,zoe
A4,Dyn Tech,39.0,-99.0,Technology,prospect,
A5,Echo,10,10,Retail,customer,old
CSV
"$REGIO" import accounts acc.csv --no-geocode --quiet
"$REGIO" assign units --max-km 80 >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.3 --model org >/dev/null 2>&1
printf 'username,name\nana,Ana\nbo,Bo\ncy,Cy\ndee,Dee\nzoe,Zoe\n' > users.csv
"$REGIO" import users users.csv --quiet
echo "== types: a lower number is a higher priority"
printf 'name,priority,description\ngeo,2,geographic\noverlay,3,specialists\nnamed,1,named accounts\n' > types.csv
"$REGIO" import types types.csv
echo "== overlay territories first: a swap in one file"
printf 'name,priority\ngeo,3\noverlay,2\n' > swap.csv
"$REGIO" import types swap.csv
"$REGIO" import types swap.csv --quiet
"$REGIO" owners types
set +e
printf 'name,priority\nnamed,2\n' > clash.csv
"$REGIO" import types clash.csv; echo "exit $?"
printf 'name,priority\nx,5\ny,5\n' > clash2.csv
"$REGIO" import types clash2.csv; echo "exit $?"
printf 'name,priority\nz,high\n' > bad.csv
"$REGIO" import types bad.csv; echo "exit $?"
printf 'name,type\nT01,nosuch\n' > badtype.csv
"$REGIO" import territories badtype.csv --model org; echo "exit $?"
set -e
printf 'name,parent,type\nRegion,,geo\nT01,Region,geo\nT02,Region,geo\nHealth,Region,overlay\n' > t.csv
"$REGIO" import territories t.csv --model org
printf 'user,territory,role\nana,T01,owner\nbo,T02,owner\ncy,Health,owner\ndee,Region,owner\nzoe,T02,rep\n' > m.csv
"$REGIO" import memberships m.csv --model org --quiet
printf 'rule,territory,criterion,field,operator,value\nhealth,Health,1,industry,equals,healthcare\n' > r.csv
"$REGIO" import rules r.csv --model org --quiet
"$REGIO" rules run --model org --quiet
printf 'account,territory\nA4,T02\n' > manual.csv
"$REGIO" import associations manual.csv --model org --quiet
"$REGIO" export associations --model org
echo "== dry run"
"$REGIO" owners assign --model org --dry-run
sqlite3 "$REGIO_DB" "SELECT ext_id, ifnull(owner_ext, '-') FROM accounts ORDER BY ext_id"
echo "== assign"
"$REGIO" owners assign --model org
sqlite3 "$REGIO_DB" "SELECT ext_id, ifnull(owner_ext, '-') FROM accounts ORDER BY ext_id"
"$REGIO" access check --user cy --account A1 --at 2027-01-01
"$REGIO" access check --user ana --account A1 --at 2027-01-01
echo "== again: nothing changes"
"$REGIO" owners assign --model org
echo "== Health without an owner member: its accounts are listed"
"$REGIO" org member remove --user cy --territory Health --role owner --model org >/dev/null
"$REGIO" owners assign --model org --dry-run
sqlite3 "$REGIO_DB" "SELECT action, object_id FROM audit_log WHERE action IN ('owners.assign',
  'type.upsert', 'territory.type', 'import.types') ORDER BY id"
