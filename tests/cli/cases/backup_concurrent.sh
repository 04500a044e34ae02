# `regio backup` while another process writes in a loop (one account per
# `regio import`, each id noted once the import exits 0): three backups
# taken during the loop each pass `regio check` and hold every account
# whose import was acknowledged before that backup began; the live store
# passes check once the writer stops. 20,000 accounts first, so that a
# backup takes many steps of the backup API while the writes go on.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
awk 'BEGIN { print "id,name,lat,lon,annual_revenue"
             for (i = 1; i <= 20000; i++) printf "B%05d,Base %d,%.4f,%.4f,%d\n", i, i, 38 + (i % 200) / 100, -100 + (i % 300) / 100, i }' > base.csv
"$REGIO" import accounts base.csv --no-geocode >/dev/null
: > acked
(
  i=0
  while [ ! -e stop ]; do
    i=$((i + 1))
    printf 'id,name,lat,lon\nW%05d,Writer %d,39.%d,-99.5\n' $i $i $((i % 10)) > w.csv
    "$REGIO" import accounts w.csv --no-geocode >/dev/null 2>>writer.err && echo "W$(printf %05d $i)" >> acked
  done
) &
writer=$!
wait_acked() { for t in $(seq 300); do [ "$(wc -l < acked)" -ge "$1" ] && return 0; sleep 0.1; done; echo "writer stalled"; }
for b in 1 2 3; do
  wait_acked $((b * 5))
  cp acked acked_before_$b
  "$REGIO" backup --out backup_$b.db >/dev/null
  wc -l < acked > acked_after_$b
  "$REGIO" check backup_$b.db > check_$b.out && echo "backup $b passes check"
  "$REGIO" export accounts --db backup_$b.db | cut -d, -f1 | grep '^W' | sort > in_$b
  missing=$(sort acked_before_$b | comm -23 - in_$b | wc -l)
  echo "backup $b: accounts acknowledged before it and missing from it: $missing"
  [ "$("$REGIO" export accounts --db backup_$b.db | grep -c '^B')" = 20000 ] && echo "backup $b: 20000 base accounts"
done
touch stop
wait $writer
[ -s writer.err ] && { echo "writer errors:"; cat writer.err; }
"$REGIO" check >/dev/null && echo "live store passes check"
# Writes acknowledged while the backups ran (not compared: timing).
for b in 1 2 3; do echo "backup $b: $(wc -l < acked_before_$b) acked before, $(cat acked_after_$b) after" >&2; done 2>timing.txt
