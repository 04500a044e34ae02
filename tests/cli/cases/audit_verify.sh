# `regio audit verify`: intact on a fresh store and after ordinary changes
# (imports, users, passwords, tokens, model changes); the table refuses
# UPDATE and DELETE; after someone drops the trigger and edits record 2
# with sqlite3, verify names record 2 and exits 1 (also once newer records
# are appended); a record removed from the middle and a changed actor are
# named too. `regio audit list` with --user and --since. Timestamps are
# filtered out.
times() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/YYYY-MM-DDTHH:MM:SS.sssZ/g'; }
echo "== a fresh store"
"$REGIO" audit verify
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'role,parent\nboss,\nrep,boss\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
printf 'username,name,email,role,permissions\nana,Ana,,rep,\nbea,Bea,,boss,view_all\n' > users.csv
"$REGIO" import users users.csv >/dev/null
echo 'a-long-enough-password' | "$REGIO" user passwd ana --password-stdin >/dev/null
"$REGIO" user token bea >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model plan-a >/dev/null 2>&1
"$REGIO" model clone plan-a live >/dev/null
"$REGIO" model promote live --effective 2020-01-01 >/dev/null
"$REGIO" audit verify
"$REGIO" audit list 2>&1 | times

echo "== the table refuses UPDATE and DELETE"
sqlite3 "$REGIO_DB" "UPDATE audit_log SET after = '{\"x\":1}' WHERE id = 2" 2>&1 \
  | grep -o 'append-only: UPDATE is forbidden' || echo "UPDATE was NOT refused"
sqlite3 "$REGIO_DB" "DELETE FROM audit_log WHERE id = 2" 2>&1 \
  | grep -o 'append-only: DELETE is forbidden' || echo "DELETE was NOT refused"
"$REGIO" audit verify
sqlite3 "$REGIO_DB" ".backup before.db"

echo "== record 2 changed behind Regio's back"
sqlite3 "$REGIO_DB" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET after = '{\"x\":1}' WHERE id = 2;"
"$REGIO" audit verify || echo "exit $?"
"$REGIO" audit list 2>/dev/null | awk '$1 == 2' | times
echo "== newer records do not hide it"
printf 'role,parent\nintern,rep\n' > more.csv
"$REGIO" import roles more.csv >/dev/null
"$REGIO" audit verify || echo "exit $?"

echo "== a record removed from the middle; an actor changed; a timestamp changed"
cp before.db mid.db
sqlite3 mid.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 5;"
"$REGIO" audit verify --db mid.db || echo "exit $?"
cp before.db actor.db
sqlite3 actor.db "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 4;"
"$REGIO" audit verify --db actor.db || echo "exit $?"
cp before.db ts.db
sqlite3 ts.db "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET ts = '2000-01-01T00:00:00.000Z' WHERE id = 7;"
"$REGIO" audit verify --db ts.db || echo "exit $?"
"$REGIO" audit verify --db before.db

echo "== audit list --user, --since"
"$REGIO" audit list --user cli --db before.db 2>&1 >/dev/null
"$REGIO" audit list --user nobody --db before.db 2>&1
"$REGIO" audit list --since 2000-01-01 --db before.db 2>&1 >/dev/null
"$REGIO" audit list --since 2999-01-01 --db before.db 2>&1
"$REGIO" audit verify --user cli 2>&1 | head -1
"$REGIO" audit frob 2>&1 | head -1
