#!/usr/bin/env node
// Writes the small files the documentation's examples read (data/examples),
// so that every example of README.md and docs/*.md runs as written
// (tests/docs/run_examples.sh checks that they do).
//
//   node tools/make_examples.mjs [OUT_DIR=data/examples]
//
// Derived from the sample market (data/sample/accounts.csv, itself made by
// tools/make_sample.mjs: real places, synthetic companies and figures):
//   salesforce_accounts.csv  the 73 Colorado accounts that have coordinates
//                            and lie within a day trip (170 km) of a rep,
//                            in a Salesforce account export's layout; OwnerId
//                            is the nearest rep of reps.csv, Rating the
//                            sample's segment (A Hot, B Warm, C Cold)
//   stops.csv                one day of the Denver rep: home first, then the
//                            10 accounts nearest to it (20-minute calls)
//   vroom_problem.json       one day of the Denver and Colorado Springs reps
//                            as a VROOM problem: the 12 accounts nearest
//                            Denver, shifts 08:00-17:00, some calls only in
//                            the morning or the afternoon
//   accounts_typo.csv        the sample's first 59 accounts, 'abc' for the
//                            latitude on line 57: an import that fails
// Written here (synthetic, places real):
//   reps.csv                 four Colorado reps, ids as Salesforce user ids
//   hubspot.csv              six companies as a HubSpot export gives them,
//                            one with a revenue that is not a number
//   crm.csv                  ZIP codes as a spreadsheet left them: leading
//                            zeros gone, some rows without a country
// Deterministic: no randomness, no network; the same sample gives
// byte-identical files.
import fs from 'node:fs';
import path from 'node:path';

const outDir = process.argv[2] || 'data/examples';
const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..');

function parseCsv(text) {
  // the sample has no quoted fields (make_sample.mjs writes none)
  const lines = text.trim().split('\n');
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return Object.fromEntries(head.map((h, i) => [h, f[i] ?? '']));
  });
}
function csvField(v) {
  const s = String(v ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function csv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
function km(a, b) {
  const r = Math.PI / 180;
  const dlat = (b.lat - a.lat) * r, dlon = (b.lon - a.lon) * r;
  const h = Math.sin(dlat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dlon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}
const write = (name, text) => fs.writeFileSync(path.join(outDir, name), text);
fs.mkdirSync(outDir, { recursive: true });

// ---- reps: four Colorado reps (place coordinates from GeoNames) ------------
const reps = [
  { id: '0055g00000Rep01AAA', name: 'Dana Whitfield', city: 'Denver', zip: '80202', lat: 39.73915, lon: -104.9847 },
  { id: '0055g00000Rep02AAA', name: 'Marco Ruiz', city: 'Colorado Springs', zip: '80903', lat: 38.83388, lon: -104.82136 },
  { id: '0055g00000Rep03AAA', name: 'Priya Natarajan', city: 'Fort Collins', zip: '80524', lat: 40.58526, lon: -105.08442 },
  { id: '0055g00000Rep04AAA', name: 'Tom Becker', city: 'Grand Junction', zip: '81501', lat: 39.06387, lon: -108.55065 },
];
write('reps.csv', csv(
  ['id', 'name', 'email', 'city', 'state', 'postal_code', 'country', 'lat', 'lon', 'capacity', 'day_start', 'day_end'],
  reps.map((r) => [r.id, r.name, r.name.toLowerCase().replace(' ', '.') + '@example.com', r.city, 'CO',
    r.zip, 'US', r.lat, r.lon, 160, '08:00', '17:00'])));

// ---- accounts: the sample's Colorado accounts with coordinates -------------
const sample = parseCsv(fs.readFileSync(path.join(root, 'data/sample/accounts.csv'), 'utf8'))
  .filter((a) => a.state === 'CO' && a.lat !== '')
  .map((a) => ({ ...a, lat: Number(a.lat), lon: Number(a.lon) }))
  // a day trip from a rep's home reaches it: within 170 km (9 hours, road
  // factor 1.3 at 50 km/h, allow a 20-minute call and a round trip of 340 km)
  .filter((a) => reps.some((r) => km(a, r) <= 170));
const rating = { A: 'Hot', B: 'Warm', C: 'Cold' };
const nearest = (a) => reps.reduce((b, r) => (km(a, r) < km(a, b) ? r : b));
const sfId = (a) => '0015g00000' + a.id.replace(/\D/g, '') + 'AA';
write('salesforce_accounts.csv', csv(
  ['Id', 'Name', 'BillingStreet', 'BillingCity', 'BillingState', 'BillingPostalCode', 'BillingCountry',
    'BillingLatitude', 'BillingLongitude', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'Rating', 'OwnerId'],
  sample.map((a) => [sfId(a), a.name, a.street, a.city, a.state, a.postal_code, 'United States',
    a.lat, a.lon, a.industry, a.annual_revenue, a.employees, rating[a.segment], nearest(a).id])));

// ---- one day's routes around Denver ----------------------------------------
const byDistance = (home) => [...sample].sort((a, b) => km(a, home) - km(b, home) || (a.id < b.id ? -1 : 1));
const denver = reps[0], springs = reps[1];
write('stops.csv', csv(['id', 'name', 'lat', 'lon', 'service_s'],
  [['HOME', denver.name + ' (home)', denver.lat, denver.lon, 0],
    ...byDistance(denver).slice(0, 10).map((a) => [a.id, a.name, a.lat, a.lon, 1200])]));

const jobs = byDistance(denver).slice(0, 12).map((a, i) => {
  const j = { id: Number(a.id.replace(/\D/g, '')), description: a.name, location: [a.lon, a.lat], service: 1200 };
  if (i % 4 === 1) j.time_windows = [[9 * 3600, 12 * 3600]]; // mornings only
  if (i % 4 === 3) j.time_windows = [[13 * 3600, 17 * 3600]]; // afternoons only
  return j;
});
const vehicle = (id, r) => ({ id, description: r.name, start: [r.lon, r.lat], end: [r.lon, r.lat],
  time_window: [8 * 3600, 17 * 3600] });
const problem = { vehicles: [vehicle(1, denver), vehicle(2, springs)], jobs };
const list = (xs) => xs.map((x) => '  ' + JSON.stringify(x)).join(',\n');
write('vroom_problem.json', `{"vehicles": [\n${list(problem.vehicles)}\n ],\n "jobs": [\n${list(problem.jobs)}\n ]\n}\n`);

// ---- a HubSpot export and a CRM file with typed ZIP codes ------------------
write('hubspot.csv', csv(
  ['Record ID', 'Company name', 'Company Domain Name', 'Street Address', 'City', 'State/Region', 'Postal Code',
    'Country/Region', 'Industry', 'Annual Revenue', 'Number of Employees', 'Company owner', 'Lifecycle Stage', 'Tier'],
  [['9876543210', 'Harbor Analytics', 'harbor.example.com', '1 Market St', 'San Francisco', 'California', '94103',
    'United States', 'COMPUTER_SOFTWARE', '12000000', '80', '', 'customer', 'A'],
  ['9876543211', 'Prairie Dental Group', '', '44 Oak Ave', 'Springfield', 'IL', '', 'United States',
    'HOSPITAL_HEALTH_CARE', '850000', '11', '', 'lead', 'C'],
  ['9876543212', 'Lakeshore Freight', 'lakeshore.example.com', '200 W Adams St', 'Chicago', 'Illinois', '60606',
    'United States', 'LOGISTICS_AND_SUPPLY_CHAIN', '31000000', '140', '', 'opportunity', 'B'],
  ['9876543213', 'Desert Bloom Nurseries', '', '7 Cactus Rd', 'Tucson', 'AZ', '85701', 'United States',
    'FARMING', 'about 2M', '25', '', 'lead', 'C'],
  ['9876543214', 'Summit Outfitters', 'summit.example.com', '1601 Wewatta St', 'Denver', 'Colorado', '80202',
    'United States', 'RETAIL', '5400000', '38', '', 'customer', 'B'],
  ['9876543215', 'Gulf Coast Marine Supply', '', '12 Harbor Dr', 'Mobile', 'Alabama', '36602', 'United States',
    'MARITIME', '2300000', '17', '', 'lead', 'C']]));

write('crm.csv', csv(['id', 'name', 'city', 'state', 'zip', 'country'],
  [['CRM-1', 'Allston Print Shop', '', 'MA', '2134', ''],
  ['CRM-2', 'Pioneer Valley Books', '', 'Massachusetts', '1002', ''],
  ['CRM-3', 'Hoboken Ferry Cafe', '', 'NJ', '7030-5774', ''],
  ['CRM-4', 'Elm City Tutors', '', '', '6510', ''],
  ['CRM-5', 'Princeton Lab Supply', '', '', '8540', 'US'],
  ['CRM-6', 'Casco Bay Kayaks', '', '', '4101', '']]));

// ---- an accounts file with a typo on line 57 -------------------------------
const first59 = parseCsv(fs.readFileSync(path.join(root, 'data/sample/accounts.csv'), 'utf8')).slice(0, 59);
first59[55].lat = 'abc'; // the 56th account is on line 57, after the header
const cols = ['id', 'name', 'city', 'state', 'postal_code', 'country', 'lat', 'lon', 'segment'];
write('accounts_typo.csv', csv(cols, first59.map((a) => cols.map((c) => a[c]))));
