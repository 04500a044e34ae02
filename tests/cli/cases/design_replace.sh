# Nothing overwritten in silence, and exit codes with one meaning: a design
# into an existing model is refused and the model's hand edit stays;
# --replace replaces a planning model (never an active one); a best effort
# exits 3, a missing file 1, a usage error 2.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a 2>&1 | grep -v "s$" || true
"$REGIO" export alignment --model plan-a | tr '\n' ' '; echo
"$REGIO" model move plan-a --unit U3 --to T02 | head -1
set +e
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a; echo "exit $?"
echo "after the refusal:"; "$REGIO" export alignment --model plan-a | tr '\n' ' '; echo
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a --replace 2>&1 | grep -v "s$"; echo "exit ${PIPESTATUS[0]}"
echo "after --replace:"; "$REGIO" export alignment --model plan-a | tr '\n' ' '; echo
sqlite3 "$REGIO_DB" "SELECT action FROM audit_log WHERE action IN ('model.reset', 'design.save') ORDER BY id"
"$REGIO" model promote plan-a --effective 2026-01-01 > /dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a --replace; echo "exit $?"
echo "== exit codes"
"$REGIO" design --k 2 --balance accounts --tolerance 0.01 --model tight > /dev/null 2>&1; echo "best effort: exit $?"
"$REGIO" design --units no-such-file.csv --k 2 --balance accounts --out x.csv 2>/dev/null; echo "missing file: exit $?"
"$REGIO" design --k 2 --balance accounts --bogus 2>/dev/null; echo "usage: exit $?"
