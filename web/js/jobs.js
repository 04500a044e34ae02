// Design / realign jobs: the form, a progress bar polling GET /jobs/{id},
// cancel, and switching to the resulting model when done.
import { state, status, showError, el, on } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import * as model from './model.js';

let poll = null;
const jobBase = {};
let switchTo = null;
let reps = null;            // the store's reps with a home (GET /reps), once asked for

export function initJobs(onDone) {
  switchTo = onDone;
  document.getElementById('job-form').addEventListener('submit', e => { e.preventDefault(); startJob().catch(() => {}); });
  document.getElementById('job-cancel').addEventListener('click', () => cancelJob());
  document.getElementById('job-kind').addEventListener('change', syncKind);
  on('model-loaded', () => {
    const k = document.getElementById('job-k');
    if (!k.dataset.touched) k.value = model.territories().length || 10;
    document.getElementById('job-base').textContent = model.name() || '—';
    document.getElementById('job-locks-n').textContent = Object.keys(model.locked() || {}).length;
  });
  // The reps' homes only once Advanced is opened (not every role may read reps).
  document.getElementById('job-advanced').addEventListener('toggle', e => {
    if (!e.target.open || reps) return;
    reps = [];
    api.reps().then(r => {
      reps = (r.reps || []).filter(x => Number.isFinite(x.lat) && Number.isFinite(x.lon));
      document.getElementById('job-homes-n').textContent = reps.length;
      syncKind();
    }).catch(() => {});
  });
  document.getElementById('job-k').addEventListener('input', e => { e.target.dataset.touched = '1'; });
  on('measures', renderBalanceChoices);
  syncKind();
}

function syncKind() {
  const realign = document.getElementById('job-kind').value === 'realign';
  document.getElementById('job-max-moved-row').hidden = !realign;
  document.getElementById('job-k-row').hidden = realign;
  document.getElementById('job-max-moved-weight-row').hidden = !realign;
  document.getElementById('job-locks-row').hidden = realign; // a realign keeps the model's locks anyway
  document.getElementById('job-homes-row').hidden = realign || !(reps && reps.length);
}

export function renderBalanceChoices() {
  const box = document.getElementById('job-balance');
  box.replaceChildren(...state.measures.map(m => el('label', { class: 'chk' },
    el('input', { type: 'checkbox', value: m, id: 'job-balance-' + m, checked: state.balance.includes(m) }), ' ' + m)));
  const tols = document.getElementById('job-tolerances');
  tols.replaceChildren(...state.measures.map(m => el('label', { class: 'chk' }, m + ' ',
    el('input', { type: 'number', min: '0', max: '1', step: '0.01', id: 'job-tol-' + m, 'data-measure': m, placeholder: '—', class: 'narrow' }))));
  const travel = document.getElementById('job-travel');
  travel.replaceChildren(el('option', { value: '', text: '(first balanced measure)' }),
    ...state.measures.map(m => el('option', { value: m, text: m })));
}

/* The "Advanced" options into body, under the API's (and the CLI's) names;
 * the server checks them and says what is wrong. */
function advancedOptions(body, kind) {
  const tols = [...document.querySelectorAll('#job-tolerances input')]
    .filter(i => i.value.trim() !== '' && body.balance.includes(i.dataset.measure))
    .map(i => `${i.dataset.measure}=${Number(i.value)}`);
  if (tols.length) body.tolerance = [...(body.tolerance !== undefined ? [body.tolerance] : []), ...tols].join(',');
  const iw = document.getElementById('job-index-weights').value.trim();
  if (iw) body.index_weights = iw;
  const obj = document.getElementById('job-objective').value;
  if (obj !== 'travel') body.objective = obj;
  const travel = document.getElementById('job-travel').value;
  if (travel) body.travel = travel;
  body.starts = num('job-starts');
  if (kind === 'realign') body.max_moved_weight = num('job-max-moved-weight');
  body.proposals = num('job-proposals');
  const kw = document.getElementById('job-keep-whole').value.trim();
  if (kw) body.keep_whole = kw;
  if (kind === 'design' && document.getElementById('job-locks').checked) {
    const locked = {};
    for (const u of Object.keys(model.locked() || {})) if (model.territoryOf(u)) locked[u] = model.territoryOf(u);
    if (Object.keys(locked).length) body.locked = locked;
  }
  if (kind === 'design' && document.getElementById('job-homes').checked && reps && reps.length) {
    body.homes = reps.map(r => ({ id: r.id, lat: r.lat, lon: r.lon }));
    delete body.k;
  }
}

function num(id) {
  const v = document.getElementById(id).value.trim();
  return v === '' ? undefined : Number(v);
}

export async function startJob() {
  if (state.job && ['queued', 'running'].includes(state.job.state)) { status('A job is already running.', 'warn'); return null; }
  const kind = document.getElementById('job-kind').value;
  const body = {
    kind, model: model.name(),
    k: kind === 'design' ? num('job-k') : undefined,
    balance: [...document.querySelectorAll('#job-balance input:checked')].map(i => i.value),
    tolerance: num('job-tolerance'), seed: num('job-seed'), time_limit: num('job-time'),
  };
  const target = document.getElementById('job-target').value.trim();
  if (target) body.target = target;
  if (kind === 'realign' && num('job-max-moved') !== undefined) body.max_moved = num('job-max-moved');
  if (!body.balance.length) body.balance = state.balance.slice();
  advancedOptions(body, kind);
  for (const k of Object.keys(body)) if (body[k] === undefined || Number.isNaN(body[k])) delete body[k];
  let j;
  try { j = await api.startJob(body); }
  catch (e) { showError(e, `Starting ${kind}`); throw e; }
  state.job = { ...j, kind, progress: 0, base: model.name() };
  jobBase[j.id] = model.name();
  renderJob();
  status(`${kind} job ${j.id} queued.`, 'busy');
  clearInterval(poll);
  poll = setInterval(() => pollJob(j.id), 400);
  return j;
}

async function pollJob(id) {
  let j;
  try { j = await api.job(id); }
  catch (e) { clearInterval(poll); showError(e, 'Job ' + id); return; }
  if (!state.job || state.job.id !== id) return;
  state.job = j;
  renderJob();
  if (j.state === 'running' || j.state === 'queued') { status(`${j.kind || 'job'} ${id}: ${j.phase || j.state} ${Math.round((j.progress || 0) * 100)}%${j.message ? ' — ' + j.message : ''}`, 'busy'); return; }
  clearInterval(poll);
  if (j.state === 'done') {
    const result = j.result && j.result.model; // with proposals: the first (most balanced)
    status(`${j.kind || 'Job'} ${id} done${result ? ': switching to ' + result : ''}.`, 'ok');
    if (result) state.compareHint = { a: jobBase[id] || j.model, b: result };
    if (result && switchTo) {
      try { await switchTo(result, true); status(`${j.kind || 'Job'} ${id} done: showing ${result}.`, 'ok'); }
      catch (e) { showError(e, 'Opening ' + result); }
    }
  } else if (j.state === 'failed') status(`${j.kind || 'Job'} ${id} failed: ${j.message || 'no message'}`, 'error');
  else if (j.state === 'cancelled') status(`${j.kind || 'Job'} ${id} cancelled.`, 'warn');
}

export async function cancelJob() {
  if (!state.job) return;
  try {
    const j = await api.cancelJob(state.job.id);
    state.job = { ...state.job, ...j };
    renderJob();
    status(`Cancelling job ${state.job.id} …`, 'busy');
  } catch (e) { showError(e, 'Cancel'); }
}

function renderJob() {
  const j = state.job || {};
  const bar = document.getElementById('job-progress');
  bar.value = j.state === 'done' ? 1 : (j.progress || 0);
  bar.dataset.state = j.state || '';
  const running = ['queued', 'running'].includes(j.state);
  document.getElementById('job-cancel').disabled = !running;
  document.getElementById('job-run').disabled = running;
  document.getElementById('job-state').textContent = j.id ? `Job ${j.id}: ${j.state}${j.phase ? ' · ' + j.phase : ''} · ${Math.round((j.state === 'done' ? 1 : j.progress || 0) * 100)}%${j.message ? ' — ' + j.message : ''}` : '';
  const res = document.getElementById('job-result');
  const s = j.result && j.result.summary;
  res.textContent = j.result ? `Result: ${j.result.model}` + (s ? ` · balance ${Object.entries(s.balance || {}).map(([k, v]) => `${k} ±${fmt.pct(v, { decimals: 1 })}`).join(', ')} · travel ${fmt.km(s.travel_km)} · non-contiguous ${fmt.count(s.non_contiguous)}` +
    (s.moved_units != null ? ` · moved ${fmt.count(s.moved_units)} units (${fmt.pct(s.moved_share || 0, { decimals: 1 })})` : '') + (s.stopped_by_time ? ' · stopped by the time limit' : '') : '') : '';
  renderProposals(j);
  const diags = (j.result && j.result.diagnostics) || [];
  document.getElementById('job-diagnostics').replaceChildren(...diags.slice(0, 50).map(d => el('li', { text: typeof d === 'string' ? d : (d.message || d.text || JSON.stringify(d)) })));
}

/* A job's proposals side by side: each one's figures (balance per measure,
 * travel, units moved, reasons) and a button that shows it on the map. */
function renderProposals(j) {
  const box = document.getElementById('job-proposals-box');
  const props = (j.result && j.result.proposals) || [];
  box.hidden = !props.length;
  if (!props.length) return;
  const realign = j.result.front === 'disruption vs balance';
  document.getElementById('job-front-cost').textContent = realign ? 'units moved' : 'travel';
  const meas = Object.keys(props[0].summary?.balance || {});
  const table = document.getElementById('job-proposals-table');
  table.querySelector('thead').replaceChildren(el('tr', {}, el('th', { text: '#' }), el('th', { text: 'Model' }),
    ...meas.map(m => el('th', { class: 'num', text: `${m} balance %` })), el('th', { class: 'num', text: 'Travel km' }),
    ...(realign ? [el('th', { class: 'num', text: 'Moved units' }), el('th', { class: 'num', text: 'Moved %' })] : []),
    el('th', { class: 'num', text: 'Non-contiguous' }), el('th', { text: 'Result' }), el('th', { text: 'Reasons' }), el('th')));
  table.querySelector('tbody').replaceChildren(...props.map(p => {
    const s = p.summary || {};
    const why = Object.entries(s.reasons || {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt.count(n)}`).join(', ');
    const view = el('button', { type: 'button', text: 'View', dataset: { model: p.model } });
    view.addEventListener('click', async () => {
      try { await switchTo(p.model, true); state.compareHint = { a: jobBase[j.id] || j.model, b: p.model }; status(`Showing proposal ${p.proposal}: ${p.model}.`, 'ok'); }
      catch (e) { showError(e, 'Opening ' + p.model); }
    });
    return el('tr', { dataset: { model: p.model } }, el('td', { text: String(p.proposal) }), el('td', { text: p.model }),
      ...meas.map(m => el('td', { class: 'num', text: s.balance?.[m] == null ? '–' : '±' + fmt.number(s.balance[m] * 100, 2) })),
      el('td', { class: 'num', text: fmt.number(s.travel_km, 1) }),
      ...(realign ? [el('td', { class: 'num', text: fmt.count(s.moved_units ?? 0) }), el('td', { class: 'num', text: fmt.number((s.moved_share || 0) * 100, 2) })] : []),
      el('td', { class: 'num', text: fmt.count(s.non_contiguous) }), el('td', { text: p.status === 'ok' ? 'met' : 'best effort' }),
      el('td', { text: why || '–' }), el('td', {}, view));
  }));
}
