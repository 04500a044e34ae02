# `regio brief`: the territory brief of T01 in FY27 (promoted six months
# after FY26, with two units and two accounts moved by hand and a challenge
# decided) — its sections, the counts in them, escaped store strings, the
# map as inline SVG with no network reference; an unknown model or
# territory writes nothing; --pdf without Chromium says so. The page is
# reduced to its headings and a few lines (tags stripped) to stay stable.
text() { sed -e 's/<[^>]*>/ /g; s/&middot;/·/g; s/&minus;/-/g; s/&amp;/\&/g; s/  */ /g; s/^ //; s/ $//' \
  -e 's/ by cli on [0-9-]*/ by cli on (day)/g'; }
bytes() { sed 's/([0-9,]* bytes)/(N bytes)/'; }
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,city,lat,lon,segment,annual_revenue,potential,visits_per_year\nA1,Acme & Sons,Hays,40.1,-100.1,A,1000,120000,24\nA2,Bolt <Inc>,Salina,38.01,-97.5,B,2000,80000,12\nA3,Core,Hays,39.1,-99.9,A,3000,50000,24\nA4,Dash,Russell,39.5,-99.5,C,4000,9000,4\nA5,Echo,Ellis,40.05,-99.05,B,5000,30000,12\nA6,Fox,Hays,39.02,-99.02,,100,2000,\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 --measures >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model FY26 >/dev/null 2>&1
printf 'id,name,lat,lon\nR1,Rita Rep,39.5,-99.8\n' > reps.csv
"$REGIO" import reps reps.csv --no-geocode >/dev/null
printf 'username,name,email,role,permissions\nrita,Rita <R>,,,\nmo,Mo,,,manage_territories\n' > users.csv
"$REGIO" import users users.csv >/dev/null
"$REGIO" model promote FY26 --effective 2026-01-01 >/dev/null
"$REGIO" model clone FY26 FY27 >/dev/null
"$REGIO" export alignment --model FY26 | tr '\n' ' '; echo
"$REGIO" org member add --model FY26 --user rita --territory T01 --role owner >/dev/null
"$REGIO" org member add --model FY27 --user rita --territory T01 --role owner
"$REGIO" model move FY27 --unit U2 --to T01 >/dev/null
"$REGIO" model move FY27 --unit U5 --to T02 >/dev/null
"$REGIO" model move FY27 --account A1 --to T01 >/dev/null
"$REGIO" model move FY27 --account A3 --to T02 >/dev/null
"$REGIO" challenge raise --model FY27 --user rita --account A3 --reason "I opened Core & I visit it" >/dev/null
"$REGIO" challenge reject 1 --user mo --note "T02's rep lives next door" >/dev/null
printf 'id,account,date,amount,status\nS1,A1,2026-02-10,5000,won\nS2,A3,2026-05-01,2500,won\nS3,A1,2026-08-15,7000,won\nS4,A5,2026-10-02,1200,open\nS5,A1,2025-11-01,900,won\n' > sales.csv
"$REGIO" import sales sales.csv >/dev/null
printf 'territory,period,amount\nT01,2026Q3,20000\nT01,2026Q4,25000\nT02,2026Q3,10000\n' > quotas.csv
"$REGIO" import quotas quotas.csv >/dev/null
printf 'id,account,user,date,type\nV1,A1,rita,2026-09-01,visit\nV2,A1,rita,2026-11-03,visit\nV3,A3,rita,2026-06-01,call\n' > act.csv
"$REGIO" import activities act.csv >/dev/null
"$REGIO" model promote FY27 --effective 2026-07-01 >/dev/null
printf 'id,rep\nT01,R1\n' > reps_of.csv
"$REGIO" import territories reps_of.csv --model FY27 >/dev/null
"$REGIO" plan --model FY27 --territory T01 --start 2026-12-07 --time-limit 0 --out /dev/null >/dev/null 2>&1
echo "== the brief"
"$REGIO" brief --model FY27 --territory T01 --out T01.html --at 2026-12-07 2>&1 | bytes
echo "headings:"
grep -o '<h[123][^>]*>.*</h[123]>' T01.html | text | sed 's/^/  /'
echo "holds: $(grep '<dt>Holds' T01.html | text)"
echo "rep: $(grep '<dt>Rep' T01.html | text)"
echo "members: $(grep -c '<tr><td>rita</td><td>Rita &lt;R&gt;</td><td>owner' T01.html)"
echo "account rows: $(sed -n '/id="accounts"/,/<\/section>/p' T01.html | grep -c '^<tr>')"
sed -n '/id="accounts"/,/<\/section>/p' T01.html | grep '^<tr>' | text | sed 's/^/  /'
echo "plan rows: $(sed -n '/id="plan"/,/<\/section>/p' T01.html | grep -c '^<tr')"
grep '^<p>Plan' T01.html | text
grep 'Quota for the current quarter' T01.html | text
sed -n '/id="quota"/,/<\/section>/p' T01.html | grep '^<tr>' | text | sed 's/^/  /'
grep '^<p>Previous model' T01.html | text
sed -n '/id="changes"/,/<\/section>/p' T01.html | grep '^<tr>' | text | sed 's/^/  /'
grep 'class="summary"' T01.html | text
echo "map: $(grep -c '<svg class="map"' T01.html) svg, $(grep -c '<circle' T01.html) accounts, $(grep -c '<rect' T01.html) point units"
echo "network references: $(grep -c -E 'https?://[^"]*"' T01.html | tr -d ' ') ($(grep -o -E 'https?://[^"]*' T01.html | sort -u | tr '\n' ' '))"
echo "unescaped store strings: $(grep -c -E 'Bolt <Inc>|Rita <R>|Acme & Sons' T01.html)"
echo "== T02 of FY26, as of the day FY26 was in force: no previous model"
"$REGIO" brief --model FY26 --territory T02 --out - --at 2026-03-01 | grep -E '^<p>Previous model|^<h1>' | text
echo "== a parent territory new in FY27: its leaves, and everything joined"
printf 'name,parent\nR,\nT01,R\nT02,R\n' > tree.csv
"$REGIO" import territories tree.csv --model FY27 >/dev/null
"$REGIO" brief --model FY27 --territory R --out - --at 2026-12-07 |
  grep -E '<dt>Holds|is new:|class="summary"|^<tr><td>Last full' | text | cut -c1-120
echo "== refusals write nothing"
set +e
"$REGIO" brief --model FY99 --territory T01 --out bad.html; echo "exit $?"
"$REGIO" brief --model FY27 --territory T99 --out bad.html; echo "exit $?"
"$REGIO" brief --model FY27 --territory T01 --out bad.html --at 2026-13-01; echo "exit $?"
"$REGIO" brief --model FY27 --out bad.html 2>usage.txt; echo "exit $?"; head -1 usage.txt
ls bad.html 2>/dev/null || echo "no bad.html"
echo "== --pdf without Chromium"
REGIO_CHROMIUM=/nonexistent/chromium "$REGIO" brief --model FY27 --territory T01 --out T01b.html --pdf T01.pdf --at 2026-12-07 2>&1 | bytes; echo "exit ${PIPESTATUS[0]}"
ls T01b.html; ls T01.pdf 2>/dev/null || echo "no T01.pdf"
