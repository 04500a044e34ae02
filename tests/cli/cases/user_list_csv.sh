# `regio user list --format csv` writes CSV that `regio import users` reads
# back unchanged: a name with a comma and quotes is quoted (RFC 4180).
printf 'role,parent\nrep,\n' > roles.csv
"$REGIO" import roles roles.csv >/dev/null
"$REGIO" user add ana --name 'Alves, Ana "AA"' --email ana@example.com --role rep \
  --permissions 'view_all;modify_all'
"$REGIO" user add bo --name Bo
"$REGIO" user list --format csv > users.csv
cat users.csv
"$REGIO" import users users.csv || echo "exit $?"
