# `regio export salesforce`: a model as the Data Loader CSVs of Salesforce
# Enterprise Territory Management (Salesforce's field names, parents by
# DeveloperName, users by Username) with its territory types and their
# priorities and its assignment rules (NOT and OR logic, inherit, custom
# fields, `in`), and AccountOwners.csv; the folder imported back with
# regio import salesforce into a new model exports to the same files, a
# second time changes nothing (the rule associations come back with a
# rule run), and a bad line fails naming file and line
# with nothing changed; regio import territories reads Territory2.csv's
# type; an unknown model and a --out that is no writable directory are
# refused.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
cat > acc.csv <<'CSV'
id,name,lat,lon,owner,industry,band,Score__c
A1,Acme,40.1,-100.1,rita,Retail,large,70
A2,Bolt,38.01,-97.5,,Pharma,small,20
A3,Core,39.1,-99.9,ron,Energy,large,55
A4,Dyna,39.5,-99.5,,Retail,mid,
CSV
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null 2>&1 || true
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model org >/dev/null 2>&1
printf 'role,parent\nmgr,\nrep,mgr\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
printf 'username,name,role\nmike,Mike,mgr\nrita,Rita,rep\nron,Ron,rep\n' > users.csv
"$REGIO" import users users.csv >/dev/null
printf 'name,priority\nGeo region,1\nSales territory,3\nNamed accounts,5\n' > types.csv
"$REGIO" import types types.csv >/dev/null
# A region over the design's T01 and T02, and an overlay whose label is no
# valid DeveloperName; T02 has no type (Salesforce's Territory).
cat > territories.csv <<'CSV'
name,parent,account_access,type
Region,,read,Geo region
T01,Region,edit,Sales territory
T02,Region,owner,
"Key accounts, West",Region,read,Named accounts
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
cat > rules.csv <<'CSV'
rule,territory,logic,inherit,criterion,field,operator,value,active
Retail or pharma,Region,1 AND NOT 2,true,1,industry,in,Retail;Pharma,true
Retail or pharma,Region,,,2,band,equals,small,
Scored,T01,1 OR 2,false,1,Score__c,greater_or_equal,50,true
Scored,T01,,,2,name,starts_with,Ac,
Not Bolt,"Key accounts, West",,false,1,name,not_equals,Bolt,false
CSV
"$REGIO" import rules rules.csv --model org >/dev/null
"$REGIO" rules run --model org >/dev/null

echo "== export"
"$REGIO" export salesforce --model org --out sf
for f in Territory2Type Territory2 UserTerritory2Association ObjectTerritory2Association \
         ObjectTerritory2AssignmentRule ObjectTerritory2AssignmentRuleItem RuleTerritory2Association \
         AccountOwners; do
  echo "-- $f.csv"
  cat "sf/$f.csv"
done

echo "== imported back into a new model with regio import salesforce, exported again"
"$REGIO" import salesforce sf --model copy
# The associations the rules made come back with a rule run.
"$REGIO" rules run --model copy >/dev/null
"$REGIO" export salesforce --model copy --out sf2 2>/dev/null
# Territory2Model.DeveloperName names the model: org, then copy.
for f in Territory2 ObjectTerritory2AssignmentRule; do
  sed 's/,org,/,copy,/' "sf/$f.csv" > "sf/$f.copy" && mv "sf/$f.copy" "sf/$f.csv"
done
diff -r sf sf2 && echo "the two folders are identical"
"$REGIO" rules list --model copy
echo "-- the same folder again changes nothing"
"$REGIO" import salesforce sf --model copy | grep -c "added 0, updated 0"

echo "== regio import territories reads Territory2Type.DeveloperName"
"$REGIO" import territories sf/Territory2.csv --model copy2 >/dev/null
"$REGIO" export territories --model copy2 --format csv

echo "== a bad line: file, line and reason; nothing changes"
cp -r sf bad
sed -i 's/,startsWith,/,within,/' bad/ObjectTerritory2AssignmentRuleItem.csv
"$REGIO" import salesforce bad --model copy3 || echo "exit $?"
"$REGIO" export territories --model copy3 --format csv 2>&1 || echo "exit $?"
cp sf/ObjectTerritory2AssignmentRuleItem.csv bad/
sed -i 's/^West_T01_Scored,T01,/West_T01_Scored,Nowhere,/;s/^T01_Scored,T01,/T01_Scored,Nowhere,/' bad/RuleTerritory2Association.csv
"$REGIO" import salesforce bad --model copy3 || echo "exit $?"
"$REGIO" import salesforce sf || echo "exit $?"

echo "== errors"
"$REGIO" export salesforce --model nope --out sf3 || echo "exit $?"
[ -e sf3 ] && echo "sf3 exists" || echo "sf3 not created"
"$REGIO" export salesforce --model org --out acc.csv || echo "exit $?"
"$REGIO" export salesforce --model org --out missing/sf || echo "exit $?"
"$REGIO" export salesforce --model org || echo "exit $?"
