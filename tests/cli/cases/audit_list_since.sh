# `regio audit list --since` takes YYYY-MM-DD[THH:MM:SS] (its usage line)
# and refuses anything else as a usage error (exit 2), as `regio access
# check --at` does, instead of answering an empty list.
printf 'role,parent\nboss,\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
"$REGIO" audit list --since 2000-01-01 2>&1 >/dev/null
"$REGIO" audit list --since 2000-01-01T00:00:00 2>&1 >/dev/null
"$REGIO" audit list --since garbage >/dev/null 2>&1 || echo "--since garbage: exit $?"
"$REGIO" audit list --since 2026-13-45 >/dev/null 2>&1 || echo "--since 2026-13-45: exit $?"
"$REGIO" audit list --since 'x' >/dev/null 2>&1 || echo "--since x: exit $?"
