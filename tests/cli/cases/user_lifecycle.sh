# `regio user`: add (with a password from standard input, a role and
# permissions), list (text and CSV), passwd, disable, enable, token (the
# token is the last word; shown once, only its hash is stored), tokens,
# revoke; and the refusals: a duplicate user, a short password (the user is
# not added either), an unknown role, permission or user, a bad token id.
# Timestamps and tokens are filtered out.
times() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z/YYYY-MM-DDTHH:MM:SS.sssZ/g'; }
printf 'role,parent\nmanager,\nrep,manager\n' > roles.csv
"$REGIO" import roles roles.csv
echo 'a-long-enough-password' | "$REGIO" user add ana --name "Ana Alves" --email ana@example.com \
  --role rep --permissions 'view_all;manage_territories' --password-stdin
"$REGIO" user add bo --role manager
"$REGIO" user list
"$REGIO" user list --format csv
sqlite3 "$REGIO_DB" "SELECT login, substr(password_hash, 1, 10) FROM users ORDER BY login"

echo "== passwd, disable, enable"
echo 'another-long-password' | "$REGIO" user passwd ana --password-stdin
"$REGIO" user disable ana
"$REGIO" user list --format csv
"$REGIO" user enable ana
"$REGIO" user list --format csv | grep '^ana,'
echo 'bo-has-a-password-now' | "$REGIO" user passwd bo --password-stdin
sqlite3 "$REGIO_DB" "SELECT login, substr(password_hash, 1, 10), length(password_hash) > 80
  FROM users ORDER BY login"

echo "== tokens"
"$REGIO" user token ana --label script | sed -E 's/rgt_[0-9a-f]{64}$/rgt_<64 hex digits>/'
tok=$("$REGIO" user token bo | awk '{print $NF}')
echo "token: ${#tok} characters, ${tok:0:4}..."
if cat "$REGIO_DB"* | grep -q "${tok#rgt_}"; then echo "the token is in the store file"; else
  echo "the token is not in the store file"; fi
"$REGIO" user tokens | times
"$REGIO" user revoke ana 1
"$REGIO" user tokens ana | times
"$REGIO" user list

echo "== refusals"
"$REGIO" user add ana || echo "exit $?"
echo 'short' | "$REGIO" user add cy --password-stdin || echo "exit $?"
"$REGIO" user add cy --role nosuch || echo "exit $?"
"$REGIO" user add cy --permissions 'view_all;fly' || echo "exit $?"
echo 'short' | "$REGIO" user passwd ana --password-stdin || echo "exit $?"
"$REGIO" user passwd ana --password-stdin </dev/null || echo "exit $?"
echo 'long-enough-password' | "$REGIO" user passwd ghost --password-stdin || echo "exit $?"
"$REGIO" user disable ghost || echo "exit $?"
"$REGIO" user enable ghost || echo "exit $?"
"$REGIO" user token ghost || echo "exit $?"
"$REGIO" user revoke ghost 1 || echo "exit $?"
"$REGIO" user revoke ana 1 || echo "exit $?"
"$REGIO" user revoke ana 2 || echo "exit $?"
"$REGIO" user revoke ana x 2>&1 | head -1
"$REGIO" user frob 2>&1 | head -1
"$REGIO" user add 2>&1 | head -1
echo "== nothing of the refusals was stored (no cy, ana's password unchanged)"
"$REGIO" user list --format csv
echo "== the audit log: who did what, no secret in it"
"$REGIO" audit list 2>&1 | times
if sqlite3 "$REGIO_DB" "SELECT * FROM audit_log" | grep -q -e "${tok#rgt_}" -e 'long-enough'; then
  echo "a secret is in the audit log"; else echo "no secret in the audit log"; fi
"$REGIO" audit verify
