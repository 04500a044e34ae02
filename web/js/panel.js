// The balance panel: measure picker, summary, one row per territory with
// totals, deviation bars, travel and contiguity warnings; with a territory
// hierarchy the leaf rows are grouped under a header row per parent. It
// renders model.js's figures whenever a model is loaded or its metrics change
// (an edit's answer from the server, the refresh after it, other measures).
import { state, emit, on, el, esc, colorOf, repName } from './state.js';
import * as fmt from './format.js';
import * as model from './model.js';

const TOL_OK = 0.05, TOL_WARN = 0.15;

export function initPanel() {
  const body = document.getElementById('balance-body');
  body.addEventListener('click', e => {
    const tr = e.target.closest('tr[data-territory]');
    if (!tr) return;
    emit('territory-click', tr.dataset.territory, e);
  });
  body.addEventListener('dblclick', e => {
    const tr = e.target.closest('tr[data-territory]');
    if (tr) emit('territory-zoom', tr.dataset.territory);
  });
  on('target-changed', markTarget);
  on('model-loaded', render);
  on('metrics-changed', render);
  on('reps', () => { if (model.name()) renderPanel(); });   // rep names under the territories
}

/** The measures shown: the server's (else the model's), and the chosen ones
 *  (by default those the model's figures were asked for). */
function render() {
  if (!state.measures.length && model.measures().length) state.measures = model.measures().slice();
  if (!state.balance.length) state.balance = model.balanceMeasures().slice();
  renderPanel();
}

export function renderMeasurePicker() {
  const box = document.getElementById('measure-picker');
  box.replaceChildren(...state.measures.map(m => el('label', { class: 'chk' },
    el('input', { type: 'checkbox', id: 'measure-' + m, value: m, checked: state.balance.includes(m),
      onchange: () => {
        const chosen = [...box.querySelectorAll('input:checked')].map(i => i.value);
        if (!chosen.length) { box.querySelector(`input[value="${CSS.escape(m)}"]`).checked = true; return; }
        emit('balance-changed', state.measures.filter(x => chosen.includes(x)));
      } }), ' ' + m)));
}

/** A deviation from the target as people read it: "+4.2%", "-12.0%". */
const devPct = d => fmt.pct(d, { decimals: 1, sign: true });

function devClass(d) {
  const a = Math.abs(d);
  return a <= TOL_OK ? 'ok' : a <= TOL_WARN ? 'warn' : 'bad';
}

/** Worst (largest |dev|) deviation over the chosen measures, signed. */
export function worstDev(t) {
  let best = null;
  for (const m of state.balance) {
    const d = t.dev ? t.dev[m] : undefined;
    if (d === undefined || d === null) continue;
    if (best === null || Math.abs(d) > Math.abs(best)) best = d;
  }
  return best;
}

export function renderPanel() {
  const t0 = performance.now();
  renderSummary();
  const head = document.getElementById('balance-head');
  head.replaceChildren(el('tr', {},
    el('th', { text: 'Territory' }), el('th', { class: 'num', text: 'Units' }),
    ...state.balance.map(m => el('th', { class: 'num', text: m, title: 'total ' + m })),
    el('th', { class: 'devh', text: 'Deviation' }), el('th', { class: 'num', text: 'Travel km', title: 'travel km (METRICS.md)' }), el('th', { text: '' })));
  const terrs = model.territories();
  const anyRep = terrs.some(t => t.rep);
  const scale = Math.max(0.2, ...terrs.flatMap(t => state.balance.map(m => Math.abs(t.dev?.[m] ?? 0))));
  const leafRow = t => {
    const wd = worstDev(t);
    const bars = state.balance.map(m => {
      const d = t.dev?.[m];
      if (d === undefined || d === null) return null;
      const w = Math.min(50, Math.abs(d) / scale * 50);
      return el('div', { class: 'bar-track', title: `${m}: ${devPct(d)} (total ${fmt.measure(m, t.totals?.[m])}, target ${fmt.measure(m, t.target?.[m])})` },
        el('div', { class: 'bar ' + devClass(d), style: `width:${w}%;${d < 0 ? `right:50%` : `left:50%`}` }));
    });
    const warn = [];
    if (t.contiguous === false) warn.push(el('span', { class: 'warn-icon', title: `not contiguous: ${t.components ?? '?'} components` }, '⚠'));
    if (!t.units) warn.push(el('span', { class: 'warn-icon', title: 'empty territory' }, '∅'));
    return el('tr', { dataset: { territory: t.id }, class: (t.id === state.target ? 'target ' : '') + (t.contiguous === false ? 'noncontig' : '') },
      el('td', { class: 'name' }, el('span', { class: 'swatch', style: `background:${colorOf(t.id)}` }), t.name || t.id,
        t.rep ? el('span', { class: 'rep', dataset: { rep: t.rep }, title: `rep ${t.rep}`, text: repName(t.rep) })
          : anyRep ? el('span', { class: 'rep vacant', text: 'vacant' }) : null),
      el('td', { class: 'num units' + (t.locked_units ? ' has-locks' : ''), title: t.locked_units ? `${fmt.count(t.locked_units)} locked unit${t.locked_units === 1 ? '' : 's'}` : null },
        fmt.count(t.units)),
      ...state.balance.map(m => el('td', { class: 'num total', dataset: { measure: m, value: t.totals?.[m] ?? '' } }, fmt.measure(m, t.totals?.[m]))),
      el('td', { class: 'dev ' + (wd === null ? '' : devClass(wd)), dataset: { value: wd ?? '' } },
        el('div', { class: 'bars' }, bars), el('span', { class: 'dev-text' }, devPct(wd))),
      el('td', { class: 'num travel' }, fmt.number(t.travel_km, 1)),
      el('td', { class: 'contig' }, warn));
  };
  const groups = parentGroups();
  const rows = groups ? groups.flatMap(g => [groupRow(g), ...g.leaves.map(t => {
    const tr = leafRow(t);
    tr.classList.add('child');
    return tr;
  })]) : terrs.map(leafRow);
  document.getElementById('balance-body').replaceChildren(...rows);
  state.lastPanelRenderMs = performance.now() - t0;
}

/** Leaves grouped by their parent (in the order parents first appear), or
 *  null when no territory has a parent. Leaves without a parent come last. */
function parentGroups() {
  const hier = {};
  for (const h of model.hierarchy() || []) hier[h.id] = h;
  const parentOf = t => t.parent ?? hier[t.id]?.parent ?? null;
  const terrs = model.territories();
  if (!terrs.some(t => parentOf(t))) return null;
  const groups = new Map();
  const orphans = [];
  for (const t of terrs) {
    const p = parentOf(t);
    if (!p) { orphans.push(t); continue; }
    if (!groups.has(p)) groups.set(p, { id: p, name: hier[p]?.name || p, path: ancestry(p, hier), leaves: [] });
    groups.get(p).leaves.push(t);
  }
  const out = [...groups.values()];
  if (orphans.length) out.push({ id: null, name: 'Without parent', path: '', leaves: orphans });
  return out;
}
function ancestry(id, hier) {
  const names = [];
  const seen = new Set();
  for (let p = hier[id]?.parent; p && !seen.has(p); p = hier[p]?.parent) { seen.add(p); names.unshift(hier[p]?.name || p); }
  return names.join(' › ');
}

/** A parent's header row: the sum of its leaves' totals and the deviation of
 *  that sum from the sum of their targets (the worst over the chosen measures). */
function groupRow(g) {
  const totals = {}, targets = {}, dev = {};
  let units = 0;
  for (const t of g.leaves) {
    units += t.units || 0;
    for (const m of state.balance) {
      if (t.totals?.[m] != null) totals[m] = (totals[m] || 0) + t.totals[m];
      if (t.target?.[m] != null) targets[m] = (targets[m] || 0) + t.target[m];
    }
  }
  for (const m of state.balance) if (targets[m] && totals[m] != null) dev[m] = (totals[m] - targets[m]) / targets[m];
  const wd = worstDev({ dev });
  return el('tr', { class: 'group-head' + (g.id === null ? ' orphans' : ''), dataset: g.id === null ? {} : { parent: g.id },
    title: g.id === null ? null : (g.path ? g.path + ' › ' : '') + `${g.name} (${g.id}): ${g.leaves.length} territor${g.leaves.length === 1 ? 'y' : 'ies'}` },
    el('td', { class: 'name' }, el('b', { text: g.name }), el('small', { class: 'muted', text: ` ${g.leaves.length}` })),
    el('td', { class: 'num units' }, fmt.count(units)),
    ...state.balance.map(m => el('td', { class: 'num group-total', dataset: { measure: m, value: totals[m] ?? '' },
      title: `${m}: total ${fmt.measure(m, totals[m])}, target ${fmt.measure(m, targets[m])}, deviation ${devPct(dev[m])}` }, fmt.measure(m, totals[m]))),
    el('td', { class: 'group-dev ' + (wd === null ? '' : devClass(wd)), dataset: { value: wd ?? '' } }, el('span', { class: 'dev-text' }, devPct(wd))),
    el('td', {}), el('td', {}));
}

function renderSummary() {
  const s = model.summary() || {};
  const box = document.getElementById('balance-summary');
  const bal = state.balance.map(m => {
    const v = s.balance ? s.balance[m] : undefined;
    return el('span', { class: 'kpi ' + (v == null ? '' : devClass(v)), dataset: { measure: m } },
      el('small', { text: 'balance ' + m }), el('b', { text: v == null ? '–' : '±' + fmt.pct(v, { decimals: 1 }) }));
  });
  box.replaceChildren(...bal,
    el('span', { class: 'kpi', id: 'summary-travel' }, el('small', { text: 'travel' }), el('b', { text: fmt.km(s.travel_km) })),
    el('span', { class: 'kpi ' + (s.non_contiguous ? 'bad' : 'ok'), id: 'summary-contiguity' }, el('small', { text: 'non-contiguous' }), el('b', { text: fmt.count(s.non_contiguous) })),
    el('span', { class: 'kpi ' + (s.empty ? 'bad' : ''), id: 'summary-empty' }, el('small', { text: 'empty' }), el('b', { text: fmt.count(s.empty) })),
    el('span', { class: 'kpi' }, el('small', { text: 'units' }), el('b', { text: fmt.count(s.units) })));
  const warn = document.getElementById('contiguity-warnings');
  const bad = model.territories().filter(t => t.contiguous === false);
  warn.hidden = !bad.length;
  warn.innerHTML = bad.length ? '⚠ Not contiguous: ' + bad.map(t => `<b>${esc(t.id)}</b> (${t.components ?? '?'} parts)`).join(', ') : '';
}

function markTarget() {
  for (const tr of document.querySelectorAll('#balance-body tr[data-territory]')) tr.classList.toggle('target', tr.dataset.territory === state.target);
}
