# A bad latitude on line 57 fails the import with file, line and field, a
# non-zero exit, and leaves the store exactly as it was.
cp data/accounts_good60.csv good.csv
cp data/accounts_bad_line57.csv bad.csv
"$REGIO" import accounts good.csv --quiet
before=$(sqlite3 "$REGIO_DB" .dump | md5sum)
set +e
"$REGIO" import accounts bad.csv
echo "exit status: $?"
set -e
after=$(sqlite3 "$REGIO_DB" .dump | md5sum)
[ "$before" = "$after" ] && echo "store unchanged: yes" || echo "store unchanged: NO"
# With --skip-invalid the other rows land and the bad one is listed.
"$REGIO" import accounts bad.csv --skip-invalid --rejects rejects.csv
cat rejects.csv
"$REGIO" import accounts bad.csv --skip-invalid --rejects - --dry-run --quiet
test -e ./- && echo "a file named - was written" || echo "no file named -"
