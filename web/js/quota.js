// Top-down quota setting in the Performance tab: POST /quotas/allocate
// (regio quota allocate through the API) first as a dry run, shown beside
// each territory's potential, the bookings the split weighs and last
// year's bookings of the same quarter; then saved. Only users with
// manage_territories see the form (the server refuses others anyway).
import { el, showError } from './state.js';
import { request } from './api.js';
import * as model from './model.js';
import { count, money } from './format.js';

let proposal = null;

function quarters() {
  const now = new Date(), y = now.getUTCFullYear(), q = Math.floor(now.getUTCMonth() / 3) + 1;
  const out = [];
  for (let k = 0; k < 6; k++) {
    const n = (q - 1) + k, yy = y + Math.floor(n / 4), qq = (n % 4) + 1;
    out.push(`${yy}Q${qq}`);
  }
  return out;
}

function body(dryRun) {
  const wp = Math.max(0, Math.min(100, Number(document.getElementById('quota-wp').value) || 0));
  return {
    model: model.name(),
    total: Number(document.getElementById('quota-total').value),
    period: document.getElementById('quota-period').value,
    weights: `potential=${wp / 100},history=${(100 - wp) / 100}`,
    seasonality: document.getElementById('quota-season').checked,
    dry_run: dryRun,
  };
}

function renderProposal(r) {
  const t = document.getElementById('quota-table');
  const head = el('tr', {}, ...['Territory', 'Proposed quota', 'Potential (yearly)', 'Booked before (weighed)', 'Same quarter last year']
    .map(h => el('th', { text: h })));
  const rows = r.territories.map(x => el('tr', { 'data-key': x.territory },
    el('td', { text: x.territory }), el('td', { class: 'num', text: count(x.quota) }),
    el('td', { class: 'num', text: money(x.potential) }), el('td', { class: 'num', text: money(x.history) }),
    el('td', { class: 'num', text: money(x.last_year_bookings) })));
  t.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  const sum = r.territories.reduce((a, x) => a + x.quota, 0);
  document.getElementById('quota-note').textContent = r.saved
    ? `Saved: ${count(sum)} over ${r.territories.length} territories for ${r.period}, month by month.`
    : `Proposal for ${r.period}: ${count(sum)} over ${r.territories.length} territories (bookings weighed over ${r.history}). Nothing is saved yet.`;
}

async function send(dryRun) {
  const b = body(dryRun);
  if (!(b.total >= 0) || !Number.isInteger(b.total)) {
    document.getElementById('quota-note').textContent = 'The total is a whole, non-negative number of currency units.';
    return;
  }
  try {
    const r = await request('POST', '/quotas/allocate', { body: b });
    proposal = dryRun ? b : null;
    renderProposal(r);
    document.getElementById('quota-save').disabled = !dryRun;
    if (!dryRun && window.regio.perf) window.regio.perf.refresh().catch(() => {});
  } catch (e) {
    showError(e);
  }
}

export function initQuota() {
  const form = document.getElementById('quota-form');
  if (!form) return;
  const sel = document.getElementById('quota-period');
  sel.replaceChildren(...quarters().map(q => el('option', { value: q, text: q })));
  document.getElementById('quota-propose').addEventListener('click', () => send(true));
  document.getElementById('quota-save').addEventListener('click', () => { if (proposal) send(false); });
  // any change to the inputs makes the shown proposal stale: propose again
  form.addEventListener('input', () => { document.getElementById('quota-save').disabled = true; });
  window.regio.quota = { propose: () => send(true), save: () => send(false) };
}
