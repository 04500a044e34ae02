# Every file a command writes goes through the library's one output helper
# (regio/output.h): `-` is standard output for every --out, --report,
# --geojson, --routes and --workload (the same bytes as the file, and no
# file named '-'); a regular file is replaced atomically (no temporary file
# left, its mode kept); a FIFO is written in place (the reader gets the
# data, the FIFO stays a FIFO); a character device is written in place and
# never replaced. /dev/null itself is only tried after a private copy of
# it (mknod, where allowed: as root) stayed a device, and must still be a
# character device afterwards.
"$REGIO" import units data/units_small.csv --adjacency data/units_small_adjacency.csv --quiet
same() { # same WHAT FILE: FILE holds what out.txt caught
  if cmp -s "$2" out.txt; then echo "$1: the same bytes"; else echo "$1: NOT the same bytes"; fi
}
echo "== export"
"$REGIO" export units --out - > out.txt 2>err.txt; cat err.txt
"$REGIO" export units --out f.csv 2>/dev/null; same "export --out - and --out FILE" f.csv
"$REGIO" export adjacency --out /dev/stdout 2>/dev/null | head -n 2
echo "== design, realign, report"
U=(--units data/units_small.csv --adjacency data/units_small_adjacency.csv --balance accounts --tolerance 0.2)
"$REGIO" design "${U[@]}" --k 2 --out - 2>/dev/null > out.txt
"$REGIO" design "${U[@]}" --k 2 --out a.csv 2>/dev/null; same "design --out - and FILE" a.csv
"$REGIO" design "${U[@]}" --k 2 --out a.csv --report - 2>/dev/null > out.txt
"$REGIO" design "${U[@]}" --k 2 --out a.csv --report r.json 2>/dev/null
sed -E 's/"seconds": [0-9.e-]+/"seconds": S/' r.json > r1.json
sed -E 's/"seconds": [0-9.e-]+/"seconds": S/' out.txt > r2.json
cmp -s r1.json r2.json && echo "design --report - and FILE: the same bytes (but the run time)"
"$REGIO" realign "${U[@]}" --from a.csv --out - 2>/dev/null > out.txt
"$REGIO" realign "${U[@]}" --from a.csv --out b.csv 2>/dev/null; same "realign --out - and FILE" b.csv
"$REGIO" report "${U[@]}" --alignment a.csv --format csv --out - > out.txt
"$REGIO" report "${U[@]}" --alignment a.csv --format csv --out r.csv; same "report --out - and FILE" r.csv
echo "== route"
S=(--stops data/route_stops10.csv --round nearest)
"$REGIO" route "${S[@]}" --out - 2>/dev/null > out.txt
"$REGIO" route "${S[@]}" --out tour.csv 2>/dev/null; same "route --out - and FILE" tour.csv
"$REGIO" route "${S[@]}" --out tour.csv --geojson - 2>/dev/null > out.txt
"$REGIO" route "${S[@]}" --out tour.csv --geojson tour.geojson 2>/dev/null; same "route --geojson - and FILE" tour.geojson
echo "== plan"
printf 'id,lat,lon,rep,frequency\nA1,40.01,-100.01,r1,2\nA2,40.05,-100.1,r1,1\nA3,39.95,-99.9,r1,1\n' > pa.csv
printf 'id,lat,lon\nr1,40,-100\n' > pr.csv
P=(--accounts pa.csv --reps pr.csv --days 5 --seed 1 --time-limit 1)
"$REGIO" plan "${P[@]}" --out plan.csv --routes routes.geojson --report report.json \
  --workload work.csv 2>/dev/null
for o in out routes report workload; do
  case $o in out) f=plan.csv ;; routes) f=routes.geojson ;; report) f=report.json ;; workload) f=work.csv ;; esac
  args=(--out plan.csv); [ $o = out ] && args=()
  "$REGIO" plan "${P[@]}" "${args[@]}" --$o - 2>/dev/null > out.txt
  if [ $o = report ]; then
    sed -E 's/"seconds":[0-9.e-]+/"seconds":S/' "$f" > f.json
    sed -E 's/"seconds":[0-9.e-]+/"seconds":S/' out.txt > o.json
    cmp -s f.json o.json && echo "plan --report - and FILE: the same bytes (but the run time)"
  else
    same "plan --$o - and FILE" "$f"
  fi
done
test ! -e ./- && echo "no file named '-' was written"
echo "== a regular file is replaced atomically"
mkdir d
"$REGIO" export units --out d/units.csv 2>/dev/null
chmod 640 d/units.csv
"$REGIO" export adjacency --out d/units.csv 2>/dev/null
ls -A d
stat -c '%a %F' d/units.csv
head -n 1 d/units.csv
ln -s units.csv d/link.csv
"$REGIO" export units --out d/link.csv 2>/dev/null
stat -c '%F' d/link.csv d/units.csv
head -n 1 d/units.csv
set +e
"$REGIO" export units --out d; echo "exit $?"
"$REGIO" export units --out no/such/dir.csv; echo "exit $?"
set -e
ls -A d
echo "== a FIFO is written in place"
mkfifo d/fifo
cat d/fifo > got.csv &
reader=$!
"$REGIO" export units --out d/fifo
wait $reader
stat -c '%F' d/fifo
"$REGIO" export units > out.txt; same "what the FIFO's reader got and the export" got.csv
echo "== a character device is written in place, never replaced"
if mknod d/null c 1 3 2>/dev/null; then
  "$REGIO" export adjacency --out d/null 2>/dev/null
  if [ ! -c d/null ]; then echo "a private device was replaced: /dev/null not tried"; exit 1; fi
  rm d/null
fi
"$REGIO" export adjacency --out /dev/null
"$REGIO" design "${U[@]}" --k 2 --out /dev/null --report /dev/null 2>/dev/null
test -c /dev/null && echo "/dev/null is still a character device"
