// A rep's call plan: pick territory + rep, calendar of days, a day's route on the map.
import { state, on, status, showError, el, today, repName } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import * as model from './model.js';
import { showRoute } from './map.js';

export function initPlan() {
  document.getElementById('plan-form').addEventListener('submit', e => { e.preventDefault(); runPlan().catch(() => {}); });
  document.getElementById('plan-territory').addEventListener('change', suggestRep);
  document.getElementById('plan-rep').addEventListener('change', e => { e.target.dataset.touched = '1'; });
  document.getElementById('plan-calendar').addEventListener('click', e => {
    const c = e.target.closest('[data-day]');
    if (c) showDay(c.dataset.day);
  });
  document.getElementById('plan-start').value = nextMonday();
  addOvernightControls();
  on('model-loaded', fillTerritories);
  on('reps', () => { fillTerritories(); fillReps(); });
}

/** Overnight trips: a checkbox, the hotel cost per night, the nights a
 *  week and the days of a trip over weekends (empty: trips inside a week),
 *  put before the Plan button (the server's overnight, hotel_cost,
 *  max_nights and trip_days; with trip days the nights a week are not
 *  sent, the server taking one or the other). */
function addOvernightControls() {
  const run = document.getElementById('plan-run');
  if (!run || document.getElementById('plan-overnight')) return;
  const cb = el('input', { id: 'plan-overnight', type: 'checkbox', dataset: { testid: 'plan-overnight' } });
  const cost = el('input', { id: 'plan-hotel-cost', type: 'number', min: '1', step: '1', value: '100', disabled: true });
  const nights = el('input', { id: 'plan-max-nights', type: 'number', min: '1', max: '6', value: '4', disabled: true });
  const trip = el('input', { id: 'plan-trip-days', type: 'number', min: '2', max: '256', placeholder: 'week', disabled: true,
    dataset: { testid: 'plan-trip-days' } });
  cb.addEventListener('change', () => { cost.disabled = nights.disabled = trip.disabled = !cb.checked; });
  trip.addEventListener('input', () => { nights.disabled = !cb.checked || !!trip.value; });
  run.before(el('label', { title: 'Trips of consecutive days with nights at hotels, for accounts a day trip from home cannot reach' }, cb, ' Overnight'),
    el('label', {}, 'Hotel/night ', cost), el('label', {}, 'Nights/week ', nights),
    el('label', { title: 'A trip may last this many working days across weekends, the rep staying at the hotel (empty: trips inside a week)' }, 'Trip days ', trip));
}

function nextMonday() {
  const d = new Date(today() + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  return d.toISOString().slice(0, 10);
}

function fillTerritories() {
  const sel = document.getElementById('plan-territory');
  const v = sel.value;
  sel.replaceChildren(...model.territories().map(t => el('option', { value: t.id,
    text: [t.id, t.name && t.name !== t.id ? t.name : null, t.rep ? repName(t.rep) : null].filter(Boolean).join(' · ') })));
  if (model.territories().some(t => t.id === v)) sel.value = v;
  suggestRep();
}
function fillReps() {
  const sel = document.getElementById('plan-rep');
  sel.replaceChildren(...state.reps.map(r => el('option', { value: r.id, text: `${r.name} (${r.city || r.id})` })));
  suggestRep();
}
/** Default rep: the territory's own (the server plans with it too), else
 *  the one whose home is nearest the territory's unit centroids. */
function suggestRep() {
  const t = document.getElementById('plan-territory').value;
  const sel = document.getElementById('plan-rep');
  if (!t || !state.reps.length || sel.dataset.touched) return;
  const own = model.territory(t)?.rep;
  if (own && state.reps.some(r => r.id === own)) { sel.value = own; return; }
  let lat = 0, lon = 0, n = 0;
  for (const [u, x] of Object.entries(model.alignment())) if (x === t && state.units[u]) { lat += state.units[u].lat; lon += state.units[u].lon; n++; }
  if (!n) return;
  lat /= n; lon /= n;
  let best = null, bd = Infinity;
  for (const r of state.reps) { if (r.lat == null) continue; const d = (r.lat - lat) ** 2 + ((r.lon - lon) * Math.cos(lat * Math.PI / 180)) ** 2; if (d < bd) { bd = d; best = r; } }
  if (best) sel.value = best.id;
}

export async function runPlan(territory, rep, days) {
  const t = territory || document.getElementById('plan-territory').value;
  const r = rep || document.getElementById('plan-rep').value;
  const params = { rep: r, days: days || document.getElementById('plan-days').value || 20,
    visit_min: document.getElementById('plan-visit-min').value || undefined, start: document.getElementById('plan-start').value || undefined };
  if (document.getElementById('plan-overnight')?.checked) {
    params.overnight = 1;
    params.hotel_cost = document.getElementById('plan-hotel-cost').value || undefined;
    const trip = document.getElementById('plan-trip-days')?.value;
    if (trip) params.trip_days = trip;
    else params.max_nights = document.getElementById('plan-max-nights').value || undefined;
  }
  if (!t) { status('Choose a territory.', 'warn'); return null; }
  status(`Planning ${t} for ${r || 'rep'} …`, 'busy');
  let p;
  try { p = await api.plan(model.name(), t, params); }
  catch (e) { showError(e, 'Plan'); throw e; }
  state.plan = p;
  renderPlan(p);
  status(`Plan for ${p.territory || t}: ${p.days?.length || 0} days, coverage ${fmt.pct(p.coverage, { decimals: 1 })}${p.overtime_days ? `, ${p.overtime_days} overtime days` : ''}${p.nights ? `, ${p.nights} nights at hotels` : ''}. Click a day to see its route.`, 'ok');
  return p;
}

function renderPlan(p) {
  const days = p.days || [];
  const visits = p.visits_scheduled ?? days.reduce((s, d) => s + (d.visits?.length || 0), 0);
  const km = p.travel_km ?? days.reduce((s, d) => s + (+d.km || 0), 0);
  document.getElementById('plan-summary').replaceChildren(
    el('span', { class: 'kpi', id: 'plan-visits' }, el('small', { text: 'visits' }), el('b', { text: p.visits_required != null ? `${fmt.count(visits)} / ${fmt.count(p.visits_required)}` : fmt.count(visits) })),
    el('span', { class: 'kpi' }, el('small', { text: 'coverage' }), el('b', { text: fmt.pct(p.coverage, { decimals: 1 }) })),
    el('span', { class: 'kpi' }, el('small', { text: 'travel' }), el('b', { text: fmt.km(km, 0) })),
    p.workload_h != null ? el('span', { class: 'kpi' }, el('small', { text: 'workload' }), el('b', { text: fmt.hours(p.workload_h) })) : null,
    el('span', { class: 'kpi ' + (p.overtime_days ? 'warn' : '') }, el('small', { text: 'overtime days' }), el('b', { text: String(p.overtime_days ?? 0) })),
    p.overnight ? el('span', { class: 'kpi', id: 'plan-nights' }, el('small', { text: 'nights' }), el('b', { text: `${p.nights ?? 0}` + (p.hotel_cost ? ` (hotels ${fmt.money(p.hotel_cost)})` : '') })) : null);
  const un = p.unplaced || [];
  const ub = document.getElementById('plan-unplaced');
  ub.hidden = !un.length;
  if (un.length) {
    const why = {};
    for (const u of un) { const k = u.text || u.reason || 'unplaced'; why[k] = (why[k] || 0) + 1; }
    ub.replaceChildren(el('b', { text: `${fmt.count(un.length)} visit${un.length === 1 ? '' : 's'} could not be placed` }),
      el('ul', {}, ...Object.entries(why).map(([k, n]) => el('li', { text: `${fmt.count(n)} × ${k}` }))));
  }
  const cal = document.getElementById('plan-calendar');
  const head = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map(d => el('div', { class: 'cal-head', text: d }));
  const cells = [];
  const dow = d => d.date ? (new Date(d.date + 'T00:00:00Z').getUTCDay() + 6) % 7 : null;
  const hasDates = days.length && days.every(d => d.date);
  if (hasDates) for (let i = 0; i < dow(days[0]); i++) cells.push(el('div', { class: 'cal-pad' }));
  let prev = null;
  for (const d of days) {
    if (hasDates && prev) {
      const gap = Math.round((Date.parse(d.date) - Date.parse(prev.date)) / 864e5);
      for (let i = 1; i < gap; i++) cells.push(el('div', { class: 'cal-pad off' }));
    }
    prev = d;
    const n = d.visits?.length || 0;
    const over = d.overtime_min != null ? d.overtime_min > 0 : d.work_min != null && d.work_min > 8 * 60;
    const night = !!d.night, away = d.starts_at === 'hotel';
    cells.push(el('button', { type: 'button', class: 'cal-day' + (n ? '' : ' empty') + (over ? ' over' : '') + (d.off ? ' off' : '') + (night ? ' night' : '') + (away ? ' away' : ''),
      dataset: { day: String(d.day), visits: String(n), night: night ? '1' : '0', startsAt: d.starts_at || 'home' },
      title: `${d.date || 'day ' + d.day}: ${n} visits, ${fmt.km(d.km)}, ${fmt.duration(d.work_min)}${d.off ? ' (day off)' : ''}${away ? ', from last night\'s hotel' : ''}${night ? ', night at a hotel' : ''}` },
      el('span', { class: 'date', text: d.date ? d.date.slice(5) : 'Day ' + d.day }),
      el('b', { class: 'visits', text: String(n) }),
      el('span', { class: 'km', text: d.km != null ? fmt.km(d.km, 0) : '' }),
      night ? el('span', { class: 'night', title: 'night at a hotel', text: '☾ hotel' }) : null));
  }
  cal.classList.toggle('nodates', !hasDates);
  cal.replaceChildren(...(hasDates ? head : []), ...cells);
  document.getElementById('plan-day').replaceChildren();
}

export function showDay(dayKey) {
  const p = state.plan;
  if (!p) return;
  const d = (p.days || []).find(x => String(x.day) === String(dayKey));
  if (!d) return;
  for (const c of document.querySelectorAll('#plan-calendar .cal-day')) c.classList.toggle('active', c.dataset.day === String(dayKey));
  const r0 = state.reps.find(r => r.id === p.rep);
  const rep = Array.isArray(p.home) && p.home.length >= 2 ? { ...(r0 || {}), name: p.rep_name || r0?.name || p.rep, lat: p.home[0], lon: p.home[1] } : r0;
  showRoute(d, rep);
  document.getElementById('plan-day').replaceChildren(
    el('h4', { text: `${d.date || 'Day ' + d.day} — ${d.visits?.length || 0} visits, ${fmt.km(d.km)}, ${fmt.duration(d.work_min)}` + (d.leave ? ` (${d.leave}–${d.back || ''})` : '') + (d.overtime_min ? `, ${fmt.duration(d.overtime_min)} overtime` : '') }),
    d.starts_at === 'hotel' ? el('p', { class: 'muted', text: `${d.leave || ''} from last night's hotel` }) : null,
    el('ol', { class: 'stops' }, ...(d.visits || []).map(v => el('li', {}, el('span', { class: 'muted', text: `${v.arrive || ''}–${v.depart || ''} ` }), v.name || v.account))),
    d.night ? el('p', { class: 'night', dataset: { testid: 'plan-night' }, text: `☾ ${d.back || ''} night at a hotel near the next day's first visit (${d.night[0].toFixed(3)}, ${d.night[1].toFixed(3)})` }) : null);
}
