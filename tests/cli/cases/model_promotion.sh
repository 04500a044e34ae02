# Effective-dated promotion in the CLI (dates relative to today, UTC, shown
# as (today), (tomorrow), (+N)): a promotion dated ahead schedules the model
# and the one in force stays until then — in `regio model list/show` and
# `regio access check`, with and without --at; a later promotion for the
# same or an earlier day replaces the scheduled one; archiving cancels a
# scheduled model; `regio model history` (text, CSV, JSON) and `regio model
# rollback` (a clone of the previous model, default name, --name,
# --effective); the refusals. Timestamps are filtered out.
T0=$(date -u +%F); T1=$(date -u -d '+1 day' +%F); T5=$(date -u -d '+5 day' +%F)
T9=$(date -u -d '+9 day' +%F)
dates() { sed -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z/(time)/g' \
  -e "s/$T0/(today)/g; s/$T1/(tomorrow)/g; s/$T5/(+5)/g; s/$T9/(+9)/g"; }
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,lat,lon\nA1,Acme,40.1,-100.1\nA2,Bolt,38.01,-97.5\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 >/dev/null 2>&1 || true
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model FY26 >/dev/null 2>&1
"$REGIO" export alignment --model FY26 | tr '\n' ' '; echo
printf 'username,name,email,role,permissions\nrita,Rita,,,\n' > users.csv
"$REGIO" import users users.csv >/dev/null
"$REGIO" model promote FY26 --effective 2026-01-01
"$REGIO" model clone FY26 FY27 >/dev/null
# rita: T01 in FY26, T02 in FY27
printf 'user,territory,role,active,start,end\nrita,T01,rep,true,,\n' > m26.csv
printf 'user,territory,role,active,start,end\nrita,T02,rep,true,,\n' > m27.csv
"$REGIO" import memberships m26.csv --model FY26 >/dev/null
"$REGIO" import memberships m27.csv --model FY27 >/dev/null
echo "== FY27 from tomorrow: scheduled"
"$REGIO" model promote FY27 --effective "$T1" | dates
"$REGIO" model list | dates
"$REGIO" model list --at "$T1" | dates
"$REGIO" model show FY27 | head -2 | dates
"$REGIO" model show FY27 --at "$T1" | head -2 | dates
"$REGIO" model show FY26 --at "$T1" | head -1 | dates
for a in A1 A2; do
  "$REGIO" access check --user rita --account $a | dates
  "$REGIO" access check --user rita --account $a --at "$T1" | dates
done
echo "== a scheduled model is not edited nor promoted again"
set +e
"$REGIO" model move FY27 --unit U1 --to T02; echo "exit $?"
"$REGIO" model promote FY27 --effective "$T5" 2>&1 | dates; echo "exit ${PIPESTATUS[0]}"
"$REGIO" model clone FY26 OLD >/dev/null
"$REGIO" model promote OLD --effective 2025-06-01; echo "exit $?"
set -e
echo "== a later date keeps FY27 first; the same date or an earlier one replaces"
"$REGIO" model clone FY26 FY28 >/dev/null
"$REGIO" model clone FY26 FY28b >/dev/null
"$REGIO" model clone FY26 FY28c >/dev/null
"$REGIO" model promote FY28 --effective "$T9" | dates
"$REGIO" model promote FY28b --effective "$T9" | dates
"$REGIO" model promote FY28c --effective "$T5" | dates
"$REGIO" model list --at "$T5" | dates
echo "== archiving a scheduled model cancels it"
"$REGIO" model archive FY28c | dates
"$REGIO" model history | dates
"$REGIO" model history --at "$T9" --format csv | dates
"$REGIO" model history --format json | dates | head -14
echo "== rollback"
set +e
"$REGIO" model rollback 2>&1 | dates; echo "exit ${PIPESTATUS[0]}"
"$REGIO" model rollback --effective 2025-01-01; echo "exit $?"
"$REGIO" model rollback --effective "$T1" --name FY26; echo "exit $?"
"$REGIO" model rollback --effective 2026-02-30; echo "exit $?"
"$REGIO" model rollback FY27; echo "exit $?"
"$REGIO" model history --format xml; echo "exit $?"
set -e
"$REGIO" model rollback --effective "$T1" | dates
"$REGIO" model rollback --effective "$T1" --name undo | dates
"$REGIO" model history | dates
"$REGIO" access check --user rita --account A1 --at "$T1" | dates
"$REGIO" access check --user rita --account A2 --at "$T1" | dates
"$REGIO" audit list | grep -E "model\.(promote|archive|rollback)" | cut -c 44- | dates
"$REGIO" audit verify
