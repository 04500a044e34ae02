// Compare two scenarios: change table and change colouring on the map.
import { state, on, status, showError, el } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import * as model from './model.js';
import { restyleUnits, zoomToUnits } from './map.js';
import { reasonsOf } from './reasons.js';

export function initCompare() {
  document.getElementById('compare-run').addEventListener('click', () => runCompare().catch(() => {}));
  document.getElementById('compare-clear').addEventListener('click', clearCompare);
  document.getElementById('change-table').addEventListener('click', e => {
    const tr = e.target.closest('tr[data-unit]');
    if (tr) zoomToUnits([tr.dataset.unit]);
  });
  on('models', () => fillSelects(false));
  on('model-loaded', () => { fillSelects(true); clearCompare(true); });
}

function fillSelects(reset) {
  const a = document.getElementById('compare-a'), b = document.getElementById('compare-b');
  const va = a.value, vb = b.value;
  const opts = () => state.models.map(m => el('option', { value: m.name, text: `${m.name} (${m.state})` }));
  a.replaceChildren(...opts());
  b.replaceChildren(...opts());
  const names = state.models.map(m => m.name);
  const shown = model.name();
  const parent = model.info() && model.info().parent;
  const active = (state.models.find(m => m.state === 'active') || {}).name;
  const hint = state.compareHint && state.compareHint.b === shown ? state.compareHint.a : null;
  const defA = [hint, parent, active].find(n => n && names.includes(n) && n !== shown) || names.find(n => n !== shown) || shown;
  a.value = !reset && names.includes(va) ? va : defA || '';
  b.value = !reset && names.includes(vb) ? vb : shown || '';
}

export async function runCompare(aName, bName) {
  const a = aName || document.getElementById('compare-a').value;
  const b = bName || document.getElementById('compare-b').value;
  if (!a || !b) { status('Choose two models to compare.', 'warn'); return null; }
  let r;
  try { r = await api.compare(a, b); }
  catch (e) { showError(e, 'Compare'); throw e; }
  const byUnit = {};
  for (const c of r.changes || []) byUnit[c.unit] = c;
  // Why each unit moved, when b was designed or realigned from a.
  const why = await reasonsOf(b);
  for (const c of r.changes || []) {
    const w = why[c.unit];
    if (w && w.from === c.from && w.to === c.to) c.reason = w;
  }
  state.compare = { ...r, byUnit };
  renderCompare(r);
  restyleUnits();
  document.getElementById('compare-clear').disabled = false;
  document.getElementById('map').classList.add('compare-mode');
  if (r.changes && r.changes.length) zoomToUnits(r.changes.map(c => c.unit));
  status(`Compare ${r.a} → ${r.b}: ${fmt.count(r.moved_units)} unit${r.moved_units === 1 ? '' : 's'} changed (${fmt.pct(r.moved_share, { decimals: 1 })}). Changed units are outlined red on the map${b !== model.name() ? ' (map shows ' + model.name() + ')' : ''}.`, 'ok');
  return r;
}

export function clearCompare(silent) {
  const had = !!state.compare;
  state.compare = null;
  document.getElementById('map').classList.remove('compare-mode');
  document.getElementById('compare-clear').disabled = true;
  if (had) restyleUnits();
  if (had && silent !== true) {
    document.getElementById('change-table').querySelector('tbody').replaceChildren();
    document.getElementById('compare-summary').replaceChildren();
  }
}

function renderCompare(r) {
  const meas = [...new Set((r.changes || []).flatMap(c => Object.keys(c.measures || {})))];
  const shown = state.measures.length ? state.measures.filter(m => meas.includes(m)).concat(meas.filter(m => !state.measures.includes(m))) : meas;
  const sa = r.summary?.a || {}, sb = r.summary?.b || {};
  const balRow = m => el('tr', {}, el('th', { text: 'balance ' + m }), el('td', { text: sa.balance?.[m] == null ? '–' : '±' + fmt.pct(sa.balance[m], { decimals: 1 }) }), el('td', { text: sb.balance?.[m] == null ? '–' : '±' + fmt.pct(sb.balance[m], { decimals: 1 }) }));
  const ms = [...new Set([...Object.keys(sa.balance || {}), ...Object.keys(sb.balance || {})])];
  const totals = {};
  for (const c of r.changes || []) for (const m of shown) totals[m] = (totals[m] || 0) + (+c.measures?.[m] || 0);
  document.getElementById('compare-summary').replaceChildren(
    el('p', {}, el('b', { id: 'compare-moved', text: fmt.count(r.moved_units) }), ` unit${r.moved_units === 1 ? '' : 's'} changed (${fmt.pct(r.moved_share, { decimals: 1 })}) from `, el('b', { text: r.a }), ' to ', el('b', { text: r.b }),
      shown.length ? '; moved ' + shown.map(m => `${m} ${fmt.measure(m, totals[m])}`).join(', ') : ''),
    el('table', { class: 'mini' }, el('thead', {}, el('tr', {}, el('th'), el('th', { text: r.a }), el('th', { text: r.b }))),
      el('tbody', {}, ...ms.map(balRow),
        el('tr', {}, el('th', { text: 'travel' }), el('td', { text: fmt.km(sa.travel_km) }), el('td', { text: fmt.km(sb.travel_km) })),
        el('tr', {}, el('th', { text: 'non-contiguous' }), el('td', { text: fmt.count(sa.non_contiguous) }), el('td', { text: fmt.count(sb.non_contiguous) })))));
  const table = document.getElementById('change-table');
  table.querySelector('thead').replaceChildren(el('tr', {}, el('th', { text: 'Unit' }), el('th', { text: 'Name' }), el('th', { text: 'From' }), el('th', { text: 'To' }),
    ...shown.map(m => el('th', { class: 'num', text: m })), el('th', { text: 'Why it moved' })));
  const rows = (r.changes || []).map(c => el('tr', { dataset: { unit: c.unit } },
    el('td', { class: 'unit', text: c.unit }), el('td', { text: c.name || state.units[c.unit]?.name || '' }),
    el('td', { class: 'from', text: c.from ?? '—' }), el('td', { class: 'to', text: c.to ?? '—' }),
    ...shown.map(m => el('td', { class: 'num', dataset: { measure: m }, text: fmt.measure(m, c.measures?.[m]) })),
    el('td', { class: 'why', title: c.reason ? c.reason.kind : '', text: c.reason ? c.reason.text : '' })));
  table.querySelector('tbody').replaceChildren(...rows);
}
