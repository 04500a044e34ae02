# `regio import roles|users|territories|memberships|associations`: the
# organisation from CSV, parents listed after their children; importing a
# file again changes nothing (not even the audit log); Salesforce exports
# (Territory2, UserTerritory2Association, ObjectTerritory2Association) map
# as they come; `regio export territories --format csv` imports back into
# another model byte for byte.
cat > roles.csv <<'CSV'
role,parent
rep-west,mgr-west
rep-east,mgr-east
mgr-west,vp
mgr-east,vp
vp,
CSV
"$REGIO" import roles roles.csv
cat > users.csv <<'CSV'
username,name,email,role,permissions
ana,Ana Alves,ana@example.com,rep-west,
bo,Bo Berg,bo@example.com,rep-east,
mia,Mia Moss,mia@example.com,mgr-west,manage_territories
vera,Vera Volk,vera@example.com,vp,view_all;manage_territories
CSV
"$REGIO" import users users.csv
printf 'id,name,lat,lon\nr-ana,Ana Alves,47.6,-122.3\nr-bo,Bo Berg,40.7,-74.0\n' > reps.csv
"$REGIO" import reps reps.csv --quiet
printf 'id,name,lat,lon\nA1,Acme,47.6,-122.3\nA2,Bolt,40.7,-74.0\nA3,Core,45.5,-122.7\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode --quiet
cat > territories.csv <<'CSV'
name,parent,account_access,rep
Seattle,West,edit,r-ana
"Portland, OR",West,edit,
West,US,read,
New York,East,owner,r-bo
East,US,read,
US,,read,
CSV
"$REGIO" import territories territories.csv --model org-2027
cat > memberships.csv <<'CSV'
user,territory,role,active,start,end
ana,Seattle,owner,true,2027-01-01,
bo,New York,owner,true,,
mia,West,manager,true,,2028-01-01
vera,US,admin,false,,
CSV
"$REGIO" import memberships memberships.csv --model org-2027
printf 'account,territory\nA3,Seattle\nA3,"Portland, OR"\n' > associations.csv
"$REGIO" import associations associations.csv --model org-2027
sqlite3 "$REGIO_DB" "SELECT action, count(*) FROM audit_log WHERE action LIKE 'import.%' OR action
  LIKE 'role.%' OR action LIKE 'user.%' OR action LIKE 'territory.%' OR action LIKE 'membership.%'
  OR action LIKE 'association.%' GROUP BY action ORDER BY action"

echo "== the same files again: nothing to write"
before=$(sqlite3 "$REGIO_DB" .dump | md5sum)
"$REGIO" import roles roles.csv
"$REGIO" import users users.csv
"$REGIO" import territories territories.csv --model org-2027
"$REGIO" import memberships memberships.csv --model org-2027
"$REGIO" import associations associations.csv --model org-2027
after=$(sqlite3 "$REGIO_DB" .dump | md5sum)
[ "$before" = "$after" ] && echo "store unchanged: yes" || echo "store unchanged: NO"

echo "== a users file without a role column keeps the roles; --dry-run writes nothing"
printf 'login,email\nana,ana@new.example.com\n' > emails.csv
"$REGIO" import users emails.csv --dry-run
"$REGIO" import users emails.csv
sqlite3 "$REGIO_DB" "SELECT u.login, u.email, r.name FROM users u JOIN roles r ON r.id = u.role_id
  WHERE login = 'ana'"

echo "== Salesforce exports as they come (parents by record id, All = owner)"
cat > Territory2.csv <<'CSV'
Id,Name,DeveloperName,ParentTerritory2Id,AccountAccessLevel,Territory2ModelId
0MI000000000003,Seattle Metro,Seattle,0MI000000000002,Edit,0MA000000000001
0MI000000000002,West Region,West,0MI000000000001,Read,0MA000000000001
0MI000000000001,United States,US,,All,0MA000000000001
CSV
"$REGIO" import territories Territory2.csv --model sf
cat > UserTerritory2Association.csv <<'CSV'
Id,UserId,Territory2Id,RoleInTerritory2,IsActive
0R0000000000001,ana,Seattle,Owner,true
0R0000000000002,mia,West,,false
CSV
"$REGIO" import memberships UserTerritory2Association.csv --model sf
cat > ObjectTerritory2Association.csv <<'CSV'
Id,ObjectId,Territory2Id,AssociationCause
0R2000000000001,A1,Seattle,Territory2Manual
CSV
"$REGIO" import associations ObjectTerritory2Association.csv --model sf
"$REGIO" export territories --model sf --format csv
sqlite3 "$REGIO_DB" "SELECT t.ext_id, t.name FROM territories t JOIN territory_models m
  ON m.id = t.model_id WHERE m.name = 'sf' ORDER BY t.ext_id"
sqlite3 "$REGIO_DB" "SELECT u.login, t.ext_id, m.role, m.active FROM memberships m
  JOIN users u ON u.id = m.user_id JOIN territories t ON t.id = m.territory_id
  JOIN territory_models tm ON tm.id = t.model_id WHERE tm.name = 'sf' ORDER BY u.login"

echo "== round trip: export, import into a new model, export again"
"$REGIO" export territories --model org-2027 --format csv --out a.csv
cat a.csv
"$REGIO" import territories a.csv --model copy
"$REGIO" export territories --model copy --format csv --out b.csv
cmp a.csv b.csv && echo "a.csv and b.csv are byte-identical"
sqlite3 "$REGIO_DB" "SELECT name, state FROM territory_models ORDER BY name"
