# docs/ACCESS.md rule 13: any alteration or REMOVAL of audit records is
# detectable — also of the newest records, which no later record links to.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
printf 'role,parent\nboss,\nrep,boss\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
"$REGIO" audit verify
sqlite3 "$REGIO_DB" "DROP TRIGGER audit_log_no_delete;
  DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log);"
"$REGIO" audit verify >/dev/null 2>&1 && echo "removal of the newest record NOT detected" \
  || echo "removal of the newest record detected (exit $?)"
sqlite3 "$REGIO_DB" "DELETE FROM audit_log WHERE id > 1;"
"$REGIO" audit verify >/dev/null 2>&1 && echo "removal of all records but the first NOT detected" \
  || echo "removal of all records but the first detected (exit $?)"
