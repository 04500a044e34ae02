# `regio backup`, `regio check` and `regio restore` on a store with units,
# accounts, a promoted model, reps, users and sales lines: the backup opens
# and gives the same exports (accounts, alignment, territories) and passes
# check; check names each corruption planted in a copy with sqlite3 (an
# orphan sales line, an alignment of a unit that is gone, a tampered audit
# record, sales blocks that no longer match their lines); restore refuses a
# file that is not a store, an empty SQLite database, a truncated backup, a
# broken audit chain, a newer schema and a store another process holds
# open, each leaving the store byte for byte as it was; a good backup
# restores, and the replaced store is kept and passes check.
paths() { sed -e "s|$PWD/||g" -e 's/before-restore-[0-9TZ]*/before-restore-TIME/g'; }
sum() { sha256sum "$REGIO_DB" | cut -d' ' -f1; }
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'id,name,city,lat,lon,segment,annual_revenue\nA1,Acme,Hays,40.1,-100.1,A,1000\nA2,Bolt,Salina,38.01,-97.5,B,2000\nA3,Core,Hays,39.1,-99.9,A,3000\nA4,Dash,Russell,39.5,-99.5,C,4000\nA5,Echo,Ellis,40.05,-99.05,B,5000\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode >/dev/null
"$REGIO" assign units --max-km 80 --measures >/dev/null
"$REGIO" design --k 2 --balance accounts --tolerance 0.2 --model FY26 >/dev/null 2>&1
"$REGIO" model promote FY26 --effective 2026-01-01 >/dev/null
printf 'username,name,email,role,permissions\nrita,Rita,,,\n' > users.csv
"$REGIO" import users users.csv >/dev/null
printf 'id,account,date,amount,status\nS1,A1,2026-02-10,5000,won\nS2,A3,2026-05-01,2500,won\nS3,A5,2026-10-02,1200,open\n' > sales.csv
"$REGIO" import sales sales.csv >/dev/null

echo "== backup and check"
"$REGIO" check 2>&1 | paths
"$REGIO" backup --out backup.db | paths
"$REGIO" check backup.db
ls backup.db* | tr '\n' ' '; echo "(no temporary file left)"
for what in accounts alignment; do
  "$REGIO" export $what --model FY26 > live.csv
  "$REGIO" export $what --model FY26 --db backup.db > copy.csv
  cmp -s live.csv copy.csv && echo "export $what: identical ($(wc -l < copy.csv) lines)"
done
"$REGIO" export territories --model FY26 > live.geojson
"$REGIO" export territories --model FY26 --db backup.db > copy.geojson
cmp -s live.geojson copy.geojson && echo "export territories: identical"
"$REGIO" backup --out backup.db --db backup.db || echo "backup over itself: exit $?"
"$REGIO" backup || echo "backup without --out: exit $?"
"$REGIO" backup --out nodir/x.db 2>&1 | paths; echo "exit ${PIPESTATUS[0]}"

echo "== check names planted corruptions"
cp backup.db orphan.db
sqlite3 orphan.db "INSERT INTO sales_transactions(ext_id, account_id, day, amount) VALUES ('S9', 999, 20000, 10);"
"$REGIO" check orphan.db || echo "exit $?"
cp backup.db gone.db
sqlite3 gone.db "PRAGMA foreign_keys = OFF; DELETE FROM units WHERE ext_id = 'U2';"
"$REGIO" check gone.db || echo "exit $?"
cp backup.db tampered.db
sqlite3 tampered.db "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE id = 2;"
"$REGIO" check tampered.db || echo "exit $?"
cp backup.db blocks.db
sqlite3 blocks.db "UPDATE sales_blocks SET lines = lines + 1 WHERE month >= 0 AND rowid IN (SELECT rowid FROM sales_blocks WHERE month >= 0 LIMIT 1);" 2>/dev/null \
  || sqlite3 blocks.db "UPDATE sales_blocks SET lines = lines + 1 WHERE month = (SELECT min(month) FROM sales_blocks WHERE month >= 0);"
"$REGIO" check blocks.db || echo "exit $?"

echo "== restore refuses, the store unchanged"
before=$(sum)
printf 'id,name\n1,not a store\n' > text.db
: > empty.db
sqlite3 sqlite.db "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
head -c 40000 backup.db > truncated.db
cp backup.db newer.db
sqlite3 newer.db "PRAGMA user_version = 999;"
for f in text.db empty.db sqlite.db truncated.db tampered.db newer.db missing.db; do
  "$REGIO" restore $f 2>&1 | paths; echo "exit ${PIPESTATUS[0]}"
done
[ "$(sum)" = "$before" ] && echo "store unchanged"
ls | grep -c before-restore || true
# another process holds the store open (as regio serve would)
mkfifo hold
sqlite3 "$REGIO_DB" < hold > /dev/null &
exec 3> hold
echo "SELECT count(*) FROM accounts;" >&3
for i in $(seq 50); do [ -e "$REGIO_DB-shm" ] && break; sleep 0.1; done; sleep 0.2
"$REGIO" restore backup.db 2>&1 | paths; echo "exit ${PIPESTATUS[0]}"
exec 3>&-
wait
[ "$(sum)" = "$before" ] && echo "store unchanged"

echo "== restore a good backup"
printf 'id,name,city,lat,lon\nA6,Late,Hays,39.2,-99.3\n' > late.csv
"$REGIO" import accounts late.csv --no-geocode >/dev/null
"$REGIO" export accounts | grep -c '^A' || true
"$REGIO" restore backup.db | paths
"$REGIO" export accounts | grep -c '^A' || true
"$REGIO" check >/dev/null && echo "restored store passes check"
kept=$(ls | grep before-restore | grep -v -- '-wal$\|-shm$')
"$REGIO" check "$kept" | paths
"$REGIO" export accounts --db "$kept" | grep -c '^A' || true
"$REGIO" audit verify
