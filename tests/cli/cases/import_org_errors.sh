# Every kind of bad row in an organisation import fails the whole file with
# file:line: field 'COLUMN': message and exit 1, and leaves the store
# exactly as it was; a misused option is a usage error (exit 2).
printf 'role,parent\nvp,\nmgr,vp\nrep,mgr\n' > roles.csv
"$REGIO" import roles roles.csv --quiet
printf 'username,role\nana,rep\nbo,rep\nmia,mgr\n' > users.csv
"$REGIO" import users users.csv --quiet
printf 'id,name,lat,lon\nr-ana,Ana,47.6,-122.3\n' > reps.csv
"$REGIO" import reps reps.csv --quiet
printf 'id,name,lat,lon\nA1,Acme,47.6,-122.3\n' > acc.csv
"$REGIO" import accounts acc.csv --no-geocode --quiet
printf 'name,parent,account_access,rep\nUS,,read,\nWest,US,edit,r-ana\n' > t.csv
"$REGIO" import territories t.csv --model m --quiet
before=$(sqlite3 "$REGIO_DB" .dump | md5sum)
try() { "$REGIO" "$@"; echo "exit $?"; }
set +e
echo "== roles"
printf 'role,parent\nx,y\ny,z\nz,x\n' > cycle.csv
try import roles cycle.csv
printf 'role,parent\nvp,rep\n' > cycle_store.csv
try import roles cycle_store.csv
printf 'role,parent\nok,vp\nx,boss\n' > unknown_parent.csv
try import roles unknown_parent.csv
printf 'role,parent\na,vp\nb,vp\na,mgr\n' > dup.csv
try import roles dup.csv
printf 'parent\nvp\n' > no_role.csv
try import roles no_role.csv
echo "== users"
printf 'username,role\ncarl,rep\ndee,cfo\n' > unknown_role.csv
try import users unknown_role.csv
printf 'username,permissions\ncarl,view_all;fly\n' > bad_perm.csv
try import users bad_perm.csv
printf 'username,active\ncarl,maybe\n' > bad_active.csv
try import users bad_active.csv
echo "== territories"
printf 'name,parent\nEast,US\nSouth,Nowhere\n' > unknown_parent.csv
try import territories unknown_parent.csv --model m
printf 'name,parent\nUS,West\n' > cycle.csv
try import territories cycle.csv --model m
printf 'name,parent\nL17,L16\nL16,L15\nL15,L14\nL14,L13\nL13,L12\nL12,L11\nL11,L10\nL10,L09\nL09,L08\nL08,L07\nL07,L06\nL06,L05\nL05,L04\nL04,L03\nL03,L02\nL02,L01\nL01,\n' > deep.csv
try import territories deep.csv --model m
printf 'DeveloperName,AccountAccessLevel\nEast,Read\nSouth,Write\n' > bad_level.csv
try import territories bad_level.csv --model m
printf 'name,parent,rep\nEast,US,r-nobody\n' > unknown_rep.csv
try import territories unknown_rep.csv --model m
printf 'name,parent\nEast,US\nEast,US\n' > dup.csv
try import territories dup.csv --model m
echo "== memberships"
printf 'user,territory\nana,West\nzed,West\n' > unknown_user.csv
try import memberships unknown_user.csv --model m
printf 'UserId,Territory2Id\nana,North\n' > unknown_territory.csv
try import memberships unknown_territory.csv --model m
printf 'user,territory,role\nana,West,boss\n' > bad_role.csv
try import memberships bad_role.csv --model m
printf 'user,territory,start,end\nana,West,2027-02-30,\n' > bad_date.csv
try import memberships bad_date.csv --model m
printf 'user,territory,start,end\nana,West,2027-03-01,2027-02-01\n' > end_before.csv
try import memberships end_before.csv --model m
try import memberships unknown_user.csv --model nope
echo "== associations"
printf 'ObjectId,Territory2Id\nA1,West\nA9,West\n' > unknown_account.csv
try import associations unknown_account.csv --model m
printf 'account,territory\nA1,North\n' > unknown_territory.csv
try import associations unknown_territory.csv --model m
printf 'account\nA1\n' > no_territory.csv
try import associations no_territory.csv --model m
after=$(sqlite3 "$REGIO_DB" .dump | md5sum)
[ "$before" = "$after" ] && echo "store unchanged: yes" || echo "store unchanged: NO"
echo "== usage"
try import territories t.csv
try import roles roles.csv --model m
try import roles roles.csv --skip-invalid
