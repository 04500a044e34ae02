// The Performance tab: the figures of docs/PERFORMANCE.md for a period
// (GET /perf: regio perf's own answer, only the rows the caller may see)
// with a choropleth of the territories, a sortable table with the flags and
// their reasons, bookings against quota per row and month by month
// (GET /perf/trend, drawn with Chart.js from npm, served locally and loaded
// on first use), and the fairness figures. Level drill-down: a row of a
// parent level opens its children.
/* global L, Chart */
import { on, el, esc, showError, repName } from './state.js';
import { request } from './api.js';
import * as model from './model.js';
import { count, money, pct } from './format.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ---- colour scales: five classes from bad to good, grey without a figure ----
const RAMP = ['#c0392b', '#e67e22', '#f1c40f', '#8bc34a', '#2e7d32'];
const NODATA = '#d9d6cf';
const SCALES = {
  attainment: { label: 'Attainment (bookings / quota)', breaks: [0.7, 0.9, 1.0, 1.1], fmt: pct },
  penetration: { label: 'Penetration (bookings / potential, per year)', relative: true, breaks: [0.7, 0.9, 1.1, 1.3], fmt: pct },
  coverage: { label: 'Coverage (accounts that got their visits)', breaks: [0.6, 0.8, 0.9, 0.95], fmt: pct },
};
/** The class breaks of `measure` (penetration: relative to the model's median). */
function breaks(measure) {
  const s = SCALES[measure];
  if (!s.relative) return s.breaks;
  const m = P.data && Number.isFinite(P.data.median_penetration) ? P.data.median_penetration : null;
  return m ? s.breaks.map(b => b * m) : null;
}
function bucket(measure, v) {
  const b = breaks(measure);
  if (!b || v === null || v === undefined || !Number.isFinite(v)) return -1;
  let i = 0;
  while (i < b.length && v >= b[i]) i++;
  return i;
}

// ---- the tab's state ----
const P = {
  kind: 'quarter', period: '', credit: 'as-of', by: 'territory', colour: 'attainment',
  parent: null,                // drill-down: rows below this territory only
  sort: { key: 'key', dir: 1 },
  data: null, trend: null, model: null,
  hier: [], parentOf: {}, nameOf: {}, repOf: {}, depth: 1,
  geo: null, geoModel: null, map: null, layer: null,
  charts: {}, loading: null, started: false,
};

function periodOptions(kind) {
  const now = new Date(), y = now.getUTCFullYear(), m = now.getUTCMonth();
  const out = [];
  if (kind === 'month') {
    for (let i = 0; i < 36; i++) {
      const d = new Date(Date.UTC(y, 11 - i, 1));
      out.push([`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`, `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`]);
    }
  } else if (kind === 'quarter') {
    for (let yy = y; yy >= y - 2; yy--) for (let q = 4; q >= 1; q--) out.push([`${yy}Q${q}`, `Q${q} ${yy}`]);
  } else {
    for (let yy = y; yy >= y - 4; yy--) out.push([String(yy), String(yy)]);
  }
  const cur = kind === 'month' ? `${y}-${String(m + 1).padStart(2, '0')}` : kind === 'quarter' ? `${y}Q${Math.floor(m / 3) + 1}` : String(y);
  return { out, cur };
}

/** The last month of a period ("2026Q3" → "2026-09"), for the trend. */
function lastMonth(p) {
  let r;
  if ((r = /^(\d{4})-(\d{2})$/.exec(p))) return p;
  if ((r = /^(\d{4})Q([1-4])$/.exec(p))) return `${r[1]}-${String(3 * Number(r[2])).padStart(2, '0')}`;
  return `${p}-12`;
}

const byParam = () => (P.parent ? `level:${P.depthOf(P.parent) + 1}` : P.by);

// ---- loading ----
async function loadChartJs() {
  if (window.Chart) return;
  await new Promise((res, rej) => {
    const s = el('script', { src: '/vendor/chartjs/chart.umd.min.js' });
    s.onload = res;
    s.onerror = () => rej(new Error('could not load /vendor/chartjs/chart.umd.min.js'));
    document.head.append(s);
  });
}

async function loadHierarchy(model) {
  if (P.model === model && P.hier.length) return;
  const t = await request('GET', `/models/${encodeURIComponent(model)}/territories`);
  P.model = model;
  P.hier = t.hierarchy || [];
  P.parentOf = {}; P.nameOf = {}; P.repOf = {};
  for (const h of P.hier) { P.parentOf[h.id] = h.parent || null; P.nameOf[h.id] = h.name || h.id; }
  for (const x of t.territories || []) if (x.rep) P.repOf[x.id] = x.rep;
  const depth = {};
  P.depthOf = id => {
    if (depth[id]) return depth[id];
    let d = 1, p = P.parentOf[id], guard = 0;
    while (p && guard++ < 64) { d++; p = P.parentOf[p]; }
    return (depth[id] = d);
  };
  P.depth = Math.max(1, ...P.hier.map(h => P.depthOf(h.id)));
}

async function loadGeo(model) {
  if (P.geoModel === model && P.geo) return;
  P.geo = await request('GET', `/models/${encodeURIComponent(model)}/territories.geojson`);
  P.geoModel = model;
  if (P.layer) { P.layer.remove(); P.layer = null; }
}

/** Loads the figures and the trend of the chosen period and view, then draws. */
export async function refresh() {
  const panel = document.getElementById('perf-panel');
  if (!panel) return;
  const seq = (P.seq = (P.seq || 0) + 1);
  // The figures of the model the app shows (the reporting model).
  const shown = model.name();
  if (!shown) {
    document.getElementById('perf-period').textContent = 'No territory model yet: the figures need one.';
    return;
  }
  const q = { period: P.period, credit: P.credit, by: byParam(), model: shown };
  panel.dataset.loading = 'true';
  const work = (async () => {
    const [data, trend] = await Promise.all([
      request('GET', '/perf', { query: q }),
      request('GET', '/perf/trend', { query: { months: 12, to: lastMonth(P.period), credit: P.credit, by: q.by, model: shown } }),
      loadChartJs(),
    ]);
    await loadHierarchy(data.model);
    await loadGeo(data.model).catch(e => { P.geo = null; showError(e, 'Territory outlines'); });
    if (seq !== P.seq) return;
    P.data = data;
    P.trend = trend;
    render();
  })();
  P.loading = work;
  try { await work; } catch (e) { if (seq === P.seq) showError(e, 'Performance'); throw e; }
  finally { if (seq === P.seq) { panel.dataset.loading = 'false'; panel.dataset.ready = 'true'; } }
}

// ---- which row a leaf territory counts in (for the map) ----
function rowKeyOfLeaf(leaf) {
  const by = P.data.by;
  if (by === 'territory') return leaf;
  if (by === 'rep') return P.repOf[leaf] || '(no rep)';
  if (by === 'model') return P.data.rows[0] ? P.data.rows[0].key : null;
  const n = Number(by.slice(6));
  const chain = [];
  for (let t = leaf, g = 0; t && g < 64; t = P.parentOf[t], g++) chain.unshift(t);
  return chain[Math.min(n, chain.length) - 1] || leaf;
}

/** The rows shown: all of them, or under a drill-down the children of the parent. */
function shownRows() {
  let rows = P.data.rows;
  if (P.parent) rows = rows.filter(r => P.parentOf[r.key] === P.parent);
  const { key, dir } = P.sort;
  const val = r => (key === 'key' ? null : r[key]);
  return [...rows].sort((a, b) => {
    if (key === 'key' || key === 'flags') {
      const x = key === 'flags' ? a.flags.length : a.key, y = key === 'flags' ? b.flags.length : b.key;
      if (key === 'flags') return dir * (x - y) || (a.key < b.key ? -1 : 1);
      return a.key.startsWith('(') - b.key.startsWith('(') || dir * (x < y ? -1 : x > y ? 1 : 0);
    }
    const x = val(a), y = val(b);
    const nx = x === null || x === undefined, ny = y === null || y === undefined;
    if (nx || ny) return nx - ny;
    return dir * (x - y);
  });
}

const label = key => {
  if (P.data.by === 'rep') return key.startsWith('(') ? key : `${repName(key)}`;
  const n = P.nameOf[key];
  return n && n !== key ? `${n}` : key;
};
const sub = key => {
  if (P.data.by === 'rep') return key.startsWith('(') ? '' : key;
  const r = P.repOf[key];
  return r ? repName(r) : '';
};

// ---- drawing ----
function render() {
  renderSummary();
  renderMap();
  renderTable();
  renderCharts();
  renderFairness();
  renderCrumbs();
}

function renderCrumbs() {
  const box = document.getElementById('perf-crumbs');
  const chain = [];
  for (let t = P.parent, g = 0; t && g < 64; t = P.parentOf[t], g++) chain.unshift(t);
  box.replaceChildren(
    el('button', { type: 'button', class: 'linklike', 'data-crumb': '', text: 'All', onclick: () => drill(null) }),
    ...chain.flatMap(t => [' › ', el('button', { type: 'button', class: 'linklike', 'data-crumb': t, text: P.nameOf[t] || t, onclick: () => drill(t) })]));
  box.hidden = !P.parent;
}

function renderSummary() {
  const rows = P.parent ? P.data.rows.filter(r => P.parentOf[r.key] === P.parent) : P.data.rows;
  const sum = k => rows.reduce((s, r) => s + (r[k] || 0), 0);
  const b = sum('bookings'), q = sum('quota'), won = sum('won'), lost = sum('lost');
  const need = sum('accounts_needing_visits'), cov = sum('accounts_covered');
  const p = P.data.period;
  const kpi = (name, value, id) => el('div', { class: 'kpi', 'data-kpi': id }, el('span', { class: 'muted', text: name }), el('b', { text: value }));
  document.getElementById('perf-period').textContent = `${P.data.model} · ${p.from} to ${p.to} (${p.days} days) · ${P.data.credit} crediting`;
  document.getElementById('perf-kpis').replaceChildren(
    kpi('Bookings', money(b), 'bookings'), kpi('Quota', money(q), 'quota'), kpi('Attainment', q ? pct(b / q) : '–', 'attainment'),
    kpi('Pipeline', money(sum('pipeline')), 'pipeline'), kpi('Win rate', won + lost ? pct(won / (won + lost)) : '–', 'win_rate'),
    kpi('Coverage', need ? pct(cov / need) : '–', 'coverage'),
    kpi('Flagged', `${count(rows.filter(r => r.flags.length).length)} of ${count(rows.length)}`, 'flagged'));
}

function renderMap() {
  const box = document.getElementById('perf-map');
  if (!P.map) {
    P.map = L.map(box, { zoomControl: true, attributionControl: false, scrollWheelZoom: false, zoomSnap: 0.25 });
    P.map.setView([39.5, -98.35], 3);
  }
  const byKey = Object.fromEntries(P.data.rows.map(r => [r.key, r]));
  const measure = P.colour;
  const shown = new Set(shownRows().map(r => r.key));
  if (P.layer) P.layer.remove();
  P.layer = null;
  if (P.geo) {
    P.layer = L.geoJSON(P.geo, {
      style: f => {
        const row = byKey[rowKeyOfLeaf(String(f.id ?? f.properties.id))];
        const k = row ? bucket(measure, row[measure]) : -1;
        const dim = row && P.parent && !shown.has(row.key);
        return { color: '#fff', weight: 0.8, fillOpacity: row ? (dim ? 0.25 : 0.85) : 0.35, fillColor: k >= 0 ? RAMP[k] : NODATA };
      },
      onEachFeature: (f, layer) => {
        const leaf = String(f.id ?? f.properties.id);
        const row = byKey[rowKeyOfLeaf(leaf)];
        layer.bindTooltip(() => row
          ? `<b>${esc(label(row.key))}</b>${row.key !== leaf ? ` <span class="muted">(${esc(leaf)})</span>` : ''}<br>` +
            `${esc(SCALES[measure].label.split(' (')[0])} <b>${SCALES[measure].fmt(row[measure])}</b><br>Bookings ${money(row.bookings)} of ${money(row.quota)} quota`
          : `${esc(leaf)}: not yours to see`, { sticky: true });
        layer.on('click', () => row && selectRow(row.key));
      },
    }).addTo(P.map);
    P.layer.eachLayer(l => {
      const p = l.getElement && l.getElement();
      if (!p) return;
      const leaf = String(l.feature.id ?? l.feature.properties.id);
      const row = byKey[rowKeyOfLeaf(leaf)];
      p.setAttribute('data-territory', leaf);
      p.setAttribute('data-bucket', row ? String(bucket(measure, row[measure])) : 'none');
      p.classList.add('perf-area');
    });
    const seen = P.layer.getLayers().filter(l => byKey[rowKeyOfLeaf(String(l.feature.id ?? l.feature.properties.id))]);
    const b = L.featureGroup(seen.length ? seen : P.layer.getLayers()).getBounds();
    if (b.isValid()) P.map.fitBounds(b, { padding: [8, 8] });
  }
  setTimeout(() => P.map && P.map.invalidateSize(), 0);
  renderLegend();
}

function renderLegend() {
  const s = SCALES[P.colour], b = breaks(P.colour);
  const legend = document.getElementById('perf-legend');
  const items = [];
  if (b) {
    const edges = [null, ...b, null];
    for (let i = 0; i < RAMP.length; i++) {
      const lo = edges[i], hi = edges[i + 1];
      const text = lo === null ? `under ${s.fmt(hi)}` : hi === null ? `${s.fmt(lo)} and more` : `${s.fmt(lo)} – ${s.fmt(hi)}`;
      items.push(el('span', { class: 'legend-item', 'data-bucket': String(i) }, el('i', { style: `background:${RAMP[i]}` }), text));
    }
  }
  items.push(el('span', { class: 'legend-item', 'data-bucket': 'none' }, el('i', { style: `background:${NODATA}` }), 'no figure'));
  legend.replaceChildren(el('b', { text: s.label + (s.relative && P.data && Number.isFinite(P.data.median_penetration) ? `, median ${pct(P.data.median_penetration)}` : '') }), ...items);
}

const COLUMNS = [
  ['key', 'Territory'], ['bookings', 'Bookings'], ['quota', 'Quota'], ['attainment', 'Attain.'],
  ['growth_yoy', 'YoY'], ['pipeline', 'Pipeline'], ['win_rate', 'Win rate'], ['potential', 'Potential'],
  ['penetration', 'Penetr.'], ['visits', 'Visits'], ['coverage', 'Coverage'], ['flags', 'Flags'],
];
const CELL = {
  bookings: money, quota: money, attainment: pct, growth_yoy: v => pct(v, { sign: true }),
  pipeline: money, win_rate: pct, potential: money, penetration: pct, visits: count, coverage: pct,
};

/** Whether a row key is a territory of the shown model (not a rep, a model or a special row). */
function isTerritory(key) {
  return (P.data.by === 'territory' || P.data.by.startsWith('level:')) && P.hier.some(h => h.id === key);
}

function renderTable() {
  const head = document.getElementById('perf-head'), body = document.getElementById('perf-body');
  const what = { territory: 'Territory', rep: 'Rep', model: 'Model' }[P.data.by] || `Level ${P.data.by.slice(6)}`;
  head.replaceChildren(el('tr', {}, ...COLUMNS.map(([k, t]) => {
    const on = P.sort.key === k;
    return el('th', { class: k === 'key' || k === 'flags' ? '' : 'num', 'data-sort': k, 'aria-sort': on ? (P.sort.dir > 0 ? 'ascending' : 'descending') : 'none',
      title: 'Sort', text: (k === 'key' ? what : t) + (on ? (P.sort.dir > 0 ? ' ▲' : ' ▼') : '') });
  })));
  const leafLevel = P.data.by === 'territory';
  body.replaceChildren(...shownRows().map(r => {
    const drillable = !leafLevel && P.data.by.startsWith('level:') && P.hier.some(h => h.parent === r.key);
    const tr = el('tr', { dataset: { key: r.key, flags: r.flags.map(f => f.flag).join(' ') }, class: (r.flags.length ? 'flagged' : '') + (drillable ? ' drillable' : ''),
      title: drillable ? 'Open its territories' : '' },
    el('td', { class: 'perf-key' }, el('div', { class: 'perf-name', text: label(r.key) + (drillable ? ' ›' : '') }), sub(r.key) ? el('small', { class: 'muted', text: sub(r.key) }) : null,
      isTerritory(r.key) ? el('a', { class: 'perf-brief', 'data-testid': 'perf-brief', target: '_blank', rel: 'noopener', title: 'The territory brief: map, accounts, call plan, quota, what changed',
        href: `/api/v1/models/${encodeURIComponent(P.data.model)}/territories/${encodeURIComponent(r.key)}/brief`, text: 'brief' }) : null),
    ...COLUMNS.slice(1, -1).map(([k]) => el('td', { class: 'num', 'data-col': k, text: CELL[k](r[k]) })),
    el('td', { class: 'perf-flags' }, ...r.flags.map(f => el('div', { class: 'flag ' + f.flag, 'data-flag': f.flag },
      el('span', { class: 'flag-name', text: f.flag.replace('_', ' ') }), ' ', el('span', { class: 'flag-reason', text: f.reason })))));
    return tr;
  }));
  document.getElementById('perf-count').textContent = `${count(body.children.length)} row${body.children.length === 1 ? '' : 's'}`;
}

function chart(id, config) {
  if (P.charts[id]) P.charts[id].destroy();
  P.charts[id] = new Chart(document.getElementById(id), config);
}

function renderCharts() {
  const rows = shownRows().filter(r => !r.key.startsWith('(') || r.bookings || r.quota);
  const common = { responsive: true, maintainAspectRatio: false, animation: false,
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, tooltip: { callbacks: { label: c => `${c.dataset.label}: ${money(c.parsed.y)}` } } },
    scales: { y: { beginAtZero: true, ticks: { callback: v => money(v) } } } };
  chart('perf-bars', {
    type: 'bar',
    data: { labels: rows.map(r => label(r.key)), datasets: [
      { label: 'Bookings', data: rows.map(r => r.bookings), backgroundColor: rows.map(r => RAMP[Math.max(0, bucket('attainment', r.attainment))]) },
      { label: 'Quota', data: rows.map(r => r.quota), backgroundColor: '#9aa7b8' }] },
    options: common,
  });
  const t = P.trend, keys = new Set(rows.map(r => r.key));
  const part = P.parent ? t.rows.filter(r => keys.has(r.key)) : null;
  const series = k => (part ? t.months.map((_, i) => part.reduce((s, r) => s + r[k][i], 0)) : t.total[k]);
  chart('perf-trend', {
    type: 'line',
    data: { labels: t.months.map(m => `${MONTHS[Number(m.slice(5)) - 1]} ${m.slice(2, 4)}`), datasets: [
      { label: 'Bookings', data: series('bookings'), borderColor: '#2f4b6e', backgroundColor: '#2f4b6e', tension: 0.2 },
      { label: 'Quota', data: series('quota'), borderColor: '#9aa7b8', backgroundColor: '#9aa7b8', borderDash: [5, 4] }] },
    options: common,
  });
}

function renderFairness() {
  const f = P.data.fairness;
  const line = (name, x) => el('tr', { 'data-fair': name },
    el('td', { text: name === 'attainment' ? 'Attainment' : 'Potential' }),
    el('td', { class: 'num', text: x.n ? x.cv.toFixed(2) : '–' }),
    el('td', { class: 'num', text: x.n ? x.gini.toFixed(2) : '–' }),
    el('td', { class: 'num', text: x.n ? pct(x.within_10pct) : '–' }),
    el('td', { class: 'num', text: count(x.n) }));
  document.getElementById('perf-fairness').replaceChildren(
    el('thead', {}, el('tr', {}, el('th', { text: 'Fairness' }), el('th', { class: 'num', text: 'CV' }), el('th', { class: 'num', text: 'Gini' }),
      el('th', { class: 'num', text: 'within ±10%' }), el('th', { class: 'num', text: 'rows' }))),
    el('tbody', {}, line('attainment', f.attainment), line('potential', f.potential)));
}

// ---- interaction ----
function selectRow(key) {
  const tr = [...document.querySelectorAll('#perf-body tr')].find(r => r.dataset.key === key);
  if (!tr) return;
  for (const x of document.querySelectorAll('#perf-body tr.selected')) x.classList.remove('selected');
  tr.classList.add('selected');
  tr.scrollIntoView({ block: 'nearest' });
}

/** Opens the children of territory `t` (null: back to the chosen view). */
export async function drill(t) {
  P.parent = t;
  try { await refresh(); } catch { /* shown */ }
}

function readControls() {
  P.kind = document.getElementById('perf-kind').value;
  P.period = document.getElementById('perf-value').value;
  P.credit = document.getElementById('perf-credit').value;
  P.by = document.getElementById('perf-by').value;
  P.colour = document.getElementById('perf-colour').value;
}

function fillPeriods(keep) {
  const sel = document.getElementById('perf-value');
  const { out, cur } = periodOptions(P.kind);
  sel.replaceChildren(...out.map(([v, t]) => el('option', { value: v, text: t })));
  sel.value = keep && out.some(([v]) => v === keep) ? keep : cur;
}

function fillLevels() {
  const sel = document.getElementById('perf-by');
  const cur = sel.value || P.by;
  const opts = [['territory', 'Territories'], ['rep', 'Reps']];
  for (let n = 1; n < P.depth; n++) opts.push([`level:${n}`, n === 1 ? 'Level 1 (top)' : `Level ${n}`]);
  opts.push(['model', 'Whole model']);
  sel.replaceChildren(...opts.map(([v, t]) => el('option', { value: v, text: t })));
  sel.value = opts.some(([v]) => v === cur) ? cur : 'territory';
}

/** Sets the controls and loads: {kind, period, credit, by, colour} (tests, scripts). */
export async function show(opts = {}) {
  if (opts.kind) { P.kind = opts.kind; document.getElementById('perf-kind').value = opts.kind; fillPeriods(opts.period); }
  else if (opts.period) fillPeriods(opts.period);
  for (const [k, id] of [['credit', 'perf-credit'], ['by', 'perf-by'], ['colour', 'perf-colour']])
    if (opts[k]) {
      const s = document.getElementById(id);
      if (k === 'by' && ![...s.options].some(o => o.value === opts.by)) s.append(el('option', { value: opts.by, text: opts.by }));
      s.value = opts[k];
    }
  readControls();
  P.parent = null;
  P.started = true;
  await refresh();
  fillLevels();
}

function setWide(on) {
  const sec = document.getElementById('perf-tab');
  sec.classList.toggle('wide', on);
  document.body.classList.toggle('perf-wide', on);
  document.getElementById('perf-wide').setAttribute('aria-pressed', String(on));
  document.getElementById('perf-wide').textContent = on ? '✕ Close full view' : '⤢ Full view';
  setTimeout(() => { if (P.map) P.map.invalidateSize(); for (const c of Object.values(P.charts)) c.resize(); }, 30);
}

export function initPerf() {
  const panel = document.getElementById('perf-panel');
  if (!panel) return;
  fillPeriods();
  const onChange = async e => {
    if (e.target.id === 'perf-kind') { P.kind = e.target.value; fillPeriods(); }
    if (e.target.id === 'perf-colour') { P.colour = e.target.value; if (P.data) { renderMap(); } return; }
    readControls();
    if (e.target.id === 'perf-by') P.parent = null;
    try { await refresh(); fillLevels(); } catch { /* shown */ }
  };
  for (const id of ['perf-kind', 'perf-value', 'perf-credit', 'perf-by', 'perf-colour'])
    document.getElementById(id).addEventListener('change', onChange);
  document.getElementById('perf-head').addEventListener('click', e => {
    const th = e.target.closest('th[data-sort]');
    if (!th || !P.data) return;
    const k = th.dataset.sort;
    P.sort = P.sort.key === k ? { key: k, dir: -P.sort.dir } : { key: k, dir: k === 'key' ? 1 : -1 };
    renderTable();
  });
  document.getElementById('perf-body').addEventListener('click', e => {
    const tr = e.target.closest('tr[data-key]');
    if (!tr || !P.data) return;
    if (tr.classList.contains('drillable')) drill(tr.dataset.key);
    else selectRow(tr.dataset.key);
  });
  document.getElementById('perf-wide').addEventListener('click', () => setWide(!document.getElementById('perf-tab').classList.contains('wide')));
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && document.body.classList.contains('perf-wide')) setWide(false); });
  // Loaded when its tab is clicked, or the first time the section's heading
  // is scrolled into the upper part of the panel (not merely glimpsed below
  // another section: the figures cost a dozen computations).
  const start = () => { if (!P.started) show().catch(() => {}); };
  document.getElementById('tab-perf')?.addEventListener('click', start);
  new IntersectionObserver((es, ob) => { if (es.some(x => x.isIntersecting)) { ob.disconnect(); start(); } },
    { root: document.getElementById('side-scroll'), rootMargin: '0px 0px -60% 0px' }).observe(document.querySelector('#perf-tab .section-title'));
  on('model-loaded', () => { if (P.started) { P.parent = null; refresh().catch(() => {}); } });
  window.regio.perf = { show, drill, refresh, wide: setWide, get data() { return P.data; }, get trend() { return P.trend; }, loaded: () => P.loading };
}
