# `regio export salesforce`: a model as the Data Loader CSVs of Salesforce
# Enterprise Territory Management (Salesforce's field names, parents by
# DeveloperName, users by Username) and AccountOwners.csv; the folder
# imported back (regio import territories|memberships|associations) into a
# new model exports to the same files; an unknown model and a --out that
# is no writable directory are refused.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,lat,lon,owner\nA1,Acme,40.1,-100.1,rita\nA2,Bolt,38.01,-97.5,\nA3,Core,39.1,-99.9,ron\nA4,Dyna,39.5,-99.5,\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null 2>&1 || true
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model org >/dev/null 2>&1
printf 'role,parent\nmgr,\nrep,mgr\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
printf 'username,name,role\nmike,Mike,mgr\nrita,Rita,rep\nron,Ron,rep\n' > users.csv
"$REGIO" import users users.csv >/dev/null
# A region over the design's T01 and T02, and an overlay whose label is no
# valid DeveloperName.
cat > territories.csv <<'CSV'
name,parent,account_access
Region,,read
T01,Region,edit
T02,Region,owner
"Key accounts, West",Region,read
CSV
"$REGIO" import territories territories.csv --model org >/dev/null
cat > memberships.csv <<'CSV'
user,territory,role,active
mike,Region,manager,true
rita,T01,owner,true
ron,T02,owner,false
ron,"Key accounts, West",overlay,true
CSV
"$REGIO" import memberships memberships.csv --model org >/dev/null
printf 'account,territory\nA1,"Key accounts, West"\nA2,T01\n' > associations.csv
"$REGIO" import associations associations.csv --model org >/dev/null

echo "== export"
"$REGIO" export salesforce --model org --out sf
for f in Territory2Type Territory2 UserTerritory2Association ObjectTerritory2Association \
         ObjectTerritory2AssignmentRule ObjectTerritory2AssignmentRuleItem RuleTerritory2Association \
         AccountOwners; do
  echo "-- $f.csv"
  cat "sf/$f.csv"
done

echo "== imported back into a new model, exported again"
"$REGIO" import territories sf/Territory2.csv --model copy
"$REGIO" import memberships sf/UserTerritory2Association.csv --model copy
"$REGIO" import associations sf/ObjectTerritory2Association.csv --model copy
"$REGIO" export salesforce --model copy --out sf2 2>/dev/null
# Territory2Model.DeveloperName names the model: org, then copy.
sed 's/,org,/,copy,/' sf/Territory2.csv > sf/Territory2.copy
mv sf/Territory2.copy sf/Territory2.csv
diff -r sf sf2 && echo "the two folders are identical"

echo "== errors"
"$REGIO" export salesforce --model nope --out sf3 || echo "exit $?"
[ -e sf3 ] && echo "sf3 exists" || echo "sf3 not created"
"$REGIO" export salesforce --model org --out acc.csv || echo "exit $?"
"$REGIO" export salesforce --model org --out missing/sf || echo "exit $?"
"$REGIO" export salesforce --model org || echo "exit $?"
