# `regio access check`: the level a user has on an account (docs/ACCESS.md)
# with --explain naming every grant: the account's owner (rule 8), the
# role hierarchy rolling grants up (rule 14), memberships in a territory or
# an ancestor (rules 2-3) with their dates (rule 16, the end exclusive),
# inactive memberships and a planning model granting nothing (rules 1, 5),
# and permissions (rule 15: manage_territories gives no account access).
# --at before a membership starts and before any model is in force; --pairs
# to a file and to standard output; the refusals.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
# A4 is owned by olga; A5 is nowhere (too far from every unit).
printf 'id,name,lat,lon,owner\nA1,Acme,40.1,-100.1,\nA2,Bolt,38.01,-97.5,\nA3,Core,39.1,-99.9,\nA4,Dyna,39.5,-99.5,olga\nA5,Echo,10,10,\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null 2>&1 || true
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model org >/dev/null 2>&1
"$REGIO" export alignment --model org
regio_sql "SELECT ext_id, unit_ext, coalesce(owner_ext, '-') FROM accounts ORDER BY ext_id"
cat > roles.csv <<'CSV'
role,parent
vp,
mgr,vp
rep,mgr
staff,
CSV
cat > users.csv <<'CSV'
username,name,email,role,permissions
vera,Vera,,vp,
mike,Mike,,mgr,
rita,Rita,,rep,
ron,Ron,,rep,
olga,Olga,,rep,
val,Val,,staff,view_all
mo,Mo,,staff,modify_all
tm,Tim,,staff,manage_territories
CSV
# Region over T01 and T02 (from the design); Overlay beside it.
cat > territories.csv <<'CSV'
name,parent,account_access
Region,,read
T01,Region,edit
T02,Region,read
Overlay,,owner
CSV
cat > memberships.csv <<'CSV'
user,territory,role,active,start,end
mike,Region,manager,true,,
rita,T01,owner,true,2025-06-01,
ron,T02,rep,false,,
ron,Overlay,overlay,true,,2026-01-01
CSV
printf 'account,territory\nA2,Overlay\nA5,T02\n' > associations.csv
"$REGIO" import roles roles.csv >/dev/null
"$REGIO" import users users.csv >/dev/null
"$REGIO" import territories territories.csv --model org >/dev/null
"$REGIO" import memberships memberships.csv --model org >/dev/null
"$REGIO" import associations associations.csv --model org >/dev/null
"$REGIO" model promote org --effective 2020-01-01
# A planning model beside it, where ron manages everything: it grants nothing.
"$REGIO" model clone org next >/dev/null
printf 'user,territory,role,active,start,end\nron,Region,manager,true,,\n' > next.csv
"$REGIO" import memberships next.csv --model next >/dev/null

at="--at 2025-07-01"
# check USER ACCOUNT [DAY]: the level with --explain, on 2025-07-01 unless told
check() { "$REGIO" access check --user "$1" --account "$2" --at "${3:-2025-07-01}" --explain; }
echo "== a member of T01 (geo), its region's manager, the VP above both"
check rita A3
check mike A3
check vera A3
echo "== the region's own level reaches a T02 account; no access flows up or sideways"
check mike A1
check rita A1
echo "== the owner, and the roles above the owner"
check olga A4
check mike A4
echo "== several grants: the highest wins (manual association with Overlay)"
check ron A2
check vera A2
echo "== a manual association of an account without a unit"
check mike A5
echo "== permissions"
check val A5
check mo A1
check tm A1
echo "== inactive membership; planning model"
check ron A1
echo "== --at: before rita's membership starts, on its first day; ron's end date is exclusive"
check rita A3 2025-05-31
"$REGIO" access check --user rita --account A3 --at 2025-06-01
"$REGIO" access check --user ron --account A2 --at 2025-12-31
"$REGIO" access check --user ron --account A2 --at 2026-01-01
echo "== before any model is in force: only ownership and permissions"
check mike A3 2019-12-31
check olga A4 2019-12-31
"$REGIO" access check --user val --account A4 --at 2019-12-31
echo "== without --at: today (the date filtered), the level is the first word"
"$REGIO" access check --user mike --account A1 | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}/(today)/'
"$REGIO" access check --user mike --account A1 | awk '{print $1}'
echo "== unknown user and account"
check ghost A1
"$REGIO" access check --user mike --account Z9 $at

echo "== --pairs"
cat > pairs.csv <<'CSV'
user,account
rita,A3
rita,A1
mike,A3
mike,A1
mike,A5
vera,A2
olga,A4
ron,A1
ron,A2
val,A5
mo,A2
tm,A3
ghost,A1
rita,Z9
CSV
"$REGIO" access check --pairs pairs.csv $at --out levels.csv 2>&1
cat levels.csv
"$REGIO" access check --pairs pairs.csv --at 2019-12-31 --out - | paste -sd ' '
printf 'login,account_id\nmike,A1\n' > other_header.csv
"$REGIO" access check --pairs other_header.csv $at --out -
echo "== --pairs agrees with the single checks"
while IFS=, read -r u a lv; do
  one=$("$REGIO" access check --user "$u" --account "$a" $at | awk '{print $1}')
  [ "$one" = "$lv" ] || echo "MISMATCH $u $a: pairs $lv, single $one"
done < <(tail -n +2 levels.csv)
echo "all $(($(wc -l < levels.csv) - 1)) pairs agree"

echo "== refusals"
"$REGIO" access check --user mike --account A1 --at 2025-13-01 || echo "exit $?"
"$REGIO" access check --user mike || echo "exit $?"
"$REGIO" access check --pairs pairs.csv 2>&1 | head -1
"$REGIO" access check --pairs pairs.csv --out x.csv --explain 2>&1 | head -1
"$REGIO" access check --pairs missing.csv --out x.csv || echo "exit $?"
printf 'who,what\nmike,A1\n' > bad_header.csv
"$REGIO" access check --pairs bad_header.csv --out x.csv || echo "exit $?"
"$REGIO" access grant --user mike 2>&1 | head -1
