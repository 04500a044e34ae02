# `regio import rules`: a rule file with a syntax error in its logic, an
# unknown field, an ordering operator on a standard text field, an unknown
# territory (and the other ways a file can be wrong) fails with file, line,
# column and reason, exit 1, and leaves the store exactly as it was.
cat > acc.csv <<'CSV'
id,name,city,state,industry,segment,employees,annual_revenue,loyalty
A1,Acme Health,Seattle,WA,Healthcare,A,800,12000000,gold
A2,Bolt Retail,Portland,OR,Retail,B,40,900000,silver
CSV
"$REGIO" import accounts acc.csv --no-geocode --quiet
printf 'name,parent\nUS,\nWest,US\nHealth,US\n' > t.csv
"$REGIO" import territories t.csv --model m --quiet
cat > good.csv <<'CSV'
rule,territory,logic,inherit,criterion,field,operator,value
west,West,,true,1,region,in,WA;OR;CA
CSV
"$REGIO" import rules good.csv --model m --quiet
before=$(sqlite3 "$REGIO_DB" .dump | md5sum)
try() { "$REGIO" "$@"; echo "exit $?"; }
set +e
head='rule,territory,logic,inherit,criterion,field,operator,value'
echo "== syntax errors in the logic"
printf '%s\nbig,Health,(1 AND 2,false,1,industry,equals,healthcare\nbig,Health,,,2,employees,greater_than,100\n' "$head" > syntax.csv
try import rules syntax.csv --model m
printf '%s\nbig,Health,1 AND 3,false,1,industry,equals,healthcare\nbig,Health,,,2,employees,greater_than,100\n' "$head" > range.csv
try import rules range.csv --model m
printf '%s\nbig,Health,1 ANDNOT 2,false,1,industry,equals,healthcare\nbig,Health,,,2,employees,greater_than,100\n' "$head" > word.csv
try import rules word.csv --model m
echo "== unknown field"
printf '%s\nbig,Health,,false,1,industy,equals,healthcare\n' "$head" > field.csv
try import rules field.csv --model m
echo "== an ordering operator on a standard text field"
printf '%s\nbig,Health,,false,1,employees,greater_than,10\nbig,Health,,,2,industry,less_than,5\n' "$head" > ordering.csv
try import rules ordering.csv --model m
echo "== unknown territory"
printf '%s\nbig,Health,,false,1,industry,equals,x\nsmall,Nowhere,,false,1,industry,equals,y\n' "$head" > territory.csv
try import rules territory.csv --model m
echo "== the earliest line is named when there are several problems"
printf '%s\na,Health,,false,1,loyalty,equals,gold\nb,Health,,false,1,industy,equals,x\nc,Nowhere,,false,1,industry,equals,y\n' "$head" > several.csv
try import rules several.csv --model m
echo "== more ways to be wrong"
printf '%s\nbig,Health,,false,1,industry,is,x\n' "$head" > operator.csv
try import rules operator.csv --model m
printf '%s\nbig,Health,,false,1,loyalty,greater_than,1_000\n' "$head" > number.csv
try import rules number.csv --model m
printf '%s\nbig,Health,,false,1,industry,equals,x\nbig,Health,,false,3,city,equals,y\n' "$head" > gap.csv
try import rules gap.csv --model m
printf '%s\nbig,Health,,false,1,industry,equals,x\nbig,Health,,false,1,city,equals,y\n' "$head" > twice.csv
try import rules twice.csv --model m
printf '%s\nbig,Health,1 OR 2,false,1,industry,equals,x\nbig,Health,1 AND 2,,2,city,equals,y\n' "$head" > differs.csv
try import rules differs.csv --model m
printf '%s\nbig,Health,,maybe,1,industry,equals,x\n' "$head" > inherit.csv
try import rules inherit.csv --model m
printf '%s\nbig,Health,,false,11,industry,equals,x\n' "$head" > eleven.csv
try import rules eleven.csv --model m
printf '%s\n,Health,,false,1,industry,equals,x\n' "$head" > noname.csv
try import rules noname.csv --model m
printf 'rule,territory,field,value\nbig,Health,industry,x\n' > nooperator.csv
try import rules nooperator.csv --model m
try import rules good.csv --model nope
after=$(sqlite3 "$REGIO_DB" .dump | md5sum)
[ "$before" = "$after" ] && echo "store unchanged: yes" || echo "store unchanged: NO"
