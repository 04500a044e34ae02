# Assignment rules end to end: `regio import rules`, `regio rules list`
# (text and the CSV that imports back), `regio rules run` with --dry-run
# (what would change per territory, nothing written), a run, a run over one
# subtree (--territory), inheritance (Big has no rules of its own and
# matches what Region's and Health's inherited rules allow), an account
# excluded from realignment getting no rule association, manual and geo
# associations left as they were, and `regio export associations`.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
cat > acc.csv <<'CSV'
id,name,lat,lon,industry,segment,employees,loyalty
A1,Acme Clinic,40.1,-100.1,Healthcare,A,800,gold
A2,Bolt Retail,40.0,-99.1,Retail,B,40,silver
A3,Core Care,39.1,-99.9, healthcare ,B,120,bronze
A4,Dyn Tech,39.0,-99.0,Technology,A,5000,gold
A5,Echo Health,39.2,-100.2,HEALTHCARE,C,90,
A6,Fox Clinic,40.2,-99.2,Healthcare,A,30,bronze
CSV
"$REGIO" import accounts acc.csv --no-geocode --quiet
"$REGIO" assign units --max-km 80 >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.3 --model org >/dev/null 2>&1
printf 'name,parent\nRegion,\nT01,Region\nT02,Region\nHealth,Region\nBig,Health\n' > t.csv
"$REGIO" import territories t.csv --model org --quiet
printf 'account,territory\nA2,Health\n' > manual.csv
"$REGIO" import associations manual.csv --model org --quiet
sqlite3 "$REGIO_DB" "UPDATE accounts SET excluded_from_realign = 1 WHERE ext_id = 'A6'"
cat > rules.csv <<'CSV'
rule,territory,logic,inherit,criterion,field,operator,value
not C,Region,,true,1,segment,in,A;B
health,Health,1 AND (2 OR NOT 3),true,1,industry,equals,healthcare
health,Health,,,2,employees,greater_than,100
health,Health,,,3,loyalty,equals,bronze
tech,T01,,false,1,industry,equals,technology
CSV
"$REGIO" import rules rules.csv --model org
echo "== the same file again changes nothing"
"$REGIO" import rules rules.csv --model org
"$REGIO" rules list --model org
echo "== a dry run writes nothing"
"$REGIO" rules run --model org --dry-run
sqlite3 "$REGIO_DB" "SELECT count(*) FROM account_territories WHERE cause = 'rule'"
echo "== the run"
"$REGIO" rules run --model org
"$REGIO" export associations --model org
echo "== again: nothing to change"
"$REGIO" rules run --model org
echo "== Health's rule changed, run over Health's subtree only: A3 leaves Health and Big"
cat > rules2.csv <<'CSV'
rule,territory,logic,inherit,criterion,field,operator,value
health,Health,1 AND 2,true,1,industry,equals,healthcare
health,Health,,,2,employees,greater_than,500
CSV
"$REGIO" import rules rules2.csv --model org
"$REGIO" rules run --model org --territory Health
"$REGIO" export associations --model org --out assoc.csv
cat assoc.csv
echo "== the rules as CSV import into another model unchanged"
"$REGIO" rules list --model org --format csv --out rules_out.csv
cat rules_out.csv
"$REGIO" import territories t.csv --model copy --quiet
"$REGIO" import rules rules_out.csv --model copy --quiet
"$REGIO" rules list --model copy --format csv | cmp - rules_out.csv && echo "same rules"
echo "== a deleted rule's associations stay until the next run"
"$REGIO" rules delete --model org --territory T01 --rule tech
sqlite3 "$REGIO_DB" "SELECT a.ext_id, t.ext_id, ifnull(at.rule_id, 'none') FROM account_territories at
  JOIN accounts a ON a.id = at.account_id JOIN territories t ON t.id = at.territory_id
  WHERE t.ext_id = 'T01' AND at.cause = 'rule'"
"$REGIO" rules run --model org --territory T01
sqlite3 "$REGIO_DB" "SELECT action, object_id FROM audit_log WHERE action LIKE 'rule%' OR action
  = 'import.rules' ORDER BY id"
"$REGIO" audit verify
echo "== usage"
set +e
"$REGIO" rules run --model org --territory Nowhere; echo "exit $?"
"$REGIO" rules list --model org --out x.csv; echo "exit $?"
"$REGIO" rules sort --model org; echo "exit $?"
