// The check-in page (checkin.html): a rep's stops of the day from the stored
// call plan (GET /checkin/today), a small map, and one tap to check in at a
// stop — the time, the position when the browser may give it, an outcome and
// a note. Check-ins are queued in localStorage first, each with an id made
// here (crypto.randomUUID), and sent one by one (POST /activities) whenever
// the server can be reached: at once, when the browser says it is online
// again, every 15 s, and with "Send now". A check-in sent twice (an answer
// lost on the way) is logged once: the server answers "duplicate" for an id
// it has. The queue survives a reload; the page itself needs the network to
// load (no service worker), then keeps working offline while it stays open.
import { request } from './api.js';
import { start as signIn } from './auth.js';
import { el } from './state.js';

const params = new URLSearchParams(location.search);
const pad = n => String(n).padStart(2, '0');
const localDay = (d = new Date()) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
/** The day shown: ?date=YYYY-MM-DD, else the phone's own date. */
const DAY = /^\d{4}-\d{2}-\d{2}$/.test(params.get('date') || '') ? params.get('date') : localDay();
/** Whose stops: the signed-in user, or ?user=LOGIN (single-user mode, a manager's look). */
const USER = params.get('user') || '';
const OUTCOMES = ['visited', 'met decision maker', 'order taken', 'follow-up needed', 'nobody there'];
const RETRY_MS = 15000;

let login = '';
let day = null;        // GET /checkin/today's answer
let queue = [];        // {id, account, date, outcome, notes, lat, lon, state, error, sent_at, duplicate}
let flushing = false;
let map = null, markers = null, fitted = false;

// ---- the queue, kept in localStorage per user ----
const key = () => `regio.checkin.queue.${login}`;
function loadQueue() {
  try { queue = JSON.parse(localStorage.getItem(key()) || '[]'); } catch { queue = []; }
  if (!Array.isArray(queue)) queue = [];
  // Sent check-ins are kept a week to show their state, then dropped.
  const old = localDay(new Date(Date.now() - 7 * 86400e3));
  queue = queue.filter(q => q.state !== 'sent' || (q.date || '').slice(0, 10) >= old);
}
function saveQueue() {
  try { localStorage.setItem(key(), JSON.stringify(queue)); } catch { /* full or private mode: the page still holds it */ }
}

/** A client id: crypto.randomUUID where the page is a secure context, else 122 random bits as a v4 UUID. */
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Now as a local ISO time with its offset, on the page's day (the server reads the day from it). */
function stamp() {
  const d = new Date(), off = -d.getTimezoneOffset();
  const tz = `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${DAY}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${tz}`;
}

/** The position, when the browser may give it within a few seconds; else null. */
function position() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise(resolve => {
    const t = setTimeout(() => resolve(null), 6000);
    navigator.geolocation.getCurrentPosition(
      p => { clearTimeout(t); resolve(p.coords); },
      () => { clearTimeout(t); resolve(null); },
      { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 });
  });
}

// ---- sending ----
function payload(q) {
  const b = { id: q.id, account: q.account, date: q.date, type: 'visit' };
  if (q.user) b.user = q.user;
  if (q.outcome) b.outcome = q.outcome;
  if (q.notes) b.notes = q.notes;
  if (Number.isFinite(q.lat) && Number.isFinite(q.lon)) { b.lat = q.lat; b.lon = q.lon; }
  return b;
}

/** Sends the queued check-ins in order; stops at the first that cannot reach the server. */
async function flush() {
  if (flushing || !login) return;
  flushing = true;
  let sent = 0;
  try {
    for (const q of queue) {
      if (q.state !== 'queued') continue;
      if (!navigator.onLine) break;
      try {
        const r = await request('POST', '/activities', { body: payload(q) });
        q.state = 'sent';
        q.duplicate = !!r.duplicate;
        q.sent_at = new Date().toISOString();
        q.error = null;
        sent++;
      } catch (e) {
        // No network, a server error, an ended session or a throttle: later.
        if (!e.status || e.status >= 500 || e.status === 401 || e.status === 429) break;
        q.state = 'failed';
        q.error = e.message;
      }
      saveQueue();
      render();
    }
  } finally {
    flushing = false;
  }
  if (sent) refresh();
}

// ---- the day's stops ----
async function refresh() {
  try {
    day = await request('GET', '/checkin/today', { query: { date: DAY, user: USER } });
  } catch (e) {
    if (!day) document.getElementById('ck-summary').textContent = e.status
      ? `Cannot load the stops: ${e.message}` : 'Offline: the stops load when the connection is back.';
    return;
  }
  render();
  if (!map) drawMap();
}

const hhmm = s => (s === null || s === undefined ? '' : `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}`);

/** The newest check-in of the queue for an account on the page's day. */
function mine(account) {
  let last = null;
  for (const q of queue) if (q.account === account && (q.date || '').slice(0, 10) === DAY && q.state !== 'failed') last = q;
  return last || queue.filter(q => q.account === account && (q.date || '').slice(0, 10) === DAY).pop() || null;
}

function stateOf(stop) {
  const q = mine(stop.account);
  if (q) return q.state;
  return stop.visited ? 'logged' : 'planned';
}

const STATE_TEXT = { planned: 'planned', queued: 'queued', sent: 'sent', logged: 'logged', failed: 'not logged' };

function stopItem(s) {
  const st = stateOf(s), q = mine(s.account);
  const addr = [s.street, [s.postal_code, s.city].filter(Boolean).join(' '), s.region].filter(Boolean).join(', ');
  const outcome = el('select', { 'aria-label': 'Outcome', 'data-testid': 'checkin-outcome' },
    ...OUTCOMES.map(o => el('option', { value: o, text: o })));
  const notes = el('textarea', { rows: 1, placeholder: 'Note (optional)', 'aria-label': 'Note', 'data-testid': 'checkin-note', maxlength: 4000 });
  const go = el('button', { type: 'button', class: 'primary ck-go', 'data-testid': 'checkin-button', text: st === 'planned' || st === 'failed' ? 'Check in' : 'Check in again' });
  go.addEventListener('click', () => checkIn(s, outcome.value, notes.value.trim(), go));
  let note = null;
  if (q && q.state === 'sent') note = el('span', { class: 'ck-note', text: `Sent ${new Date(q.sent_at).toLocaleTimeString()}${q.duplicate ? ' (already there)' : ''}` });
  else if (q && q.state === 'queued') note = el('span', { class: 'ck-note', text: `Checked in ${q.date.slice(11, 16)}; sent when the connection is back` });
  else if (st === 'logged') note = el('span', { class: 'ck-note', text: `Logged ${(s.visit && s.visit.date || '').slice(11, 16)}${s.visit && s.visit.user ? ' by ' + s.visit.user : ''}` });
  const err = q && q.state === 'failed' ? el('span', { class: 'ck-error', text: q.error || 'refused' }) : null;
  const open = st === 'planned' || st === 'failed';
  const details = el('details', { class: 'ck-more' }, el('summary', { text: 'Outcome and note' }),
    el('div', { class: 'ck-fields' }, outcome, notes));
  if (!open) go.classList.remove('primary');
  return el('li', { class: 'ck-stop', 'data-account': s.account, 'data-state': st, 'data-testid': 'checkin-stop' },
    el('span', { class: 'ck-seq', text: String(s.seq) }),
    el('span', {},
      el('div', { class: 'ck-name', text: s.name || s.account }),
      el('div', { class: 'ck-addr', text: addr }),
      s.arrival_s !== null ? el('div', { class: 'ck-time', text: `planned ${hhmm(s.arrival_s)}–${hhmm(s.departure_s)}` }) : null),
    el('span', { class: 'ck-state', 'data-testid': 'checkin-state', text: STATE_TEXT[st] }),
    el('div', { class: 'ck-body' }, el('div', { class: 'ck-actions' }, go, details), note, err));
}

function render() {
  const list = document.getElementById('ck-stops');
  const stops = day ? day.stops : [];
  // Keep what is being typed: only the rows whose state changed are redrawn.
  const old = new Map([...list.children].map(li => [li.dataset.account + '#' + li.querySelector('.ck-seq').textContent, li]));
  const rows = stops.map(s => {
    const li = old.get(s.account + '#' + s.seq);
    return li && li.dataset.state === stateOf(s) ? li : stopItem(s);
  });
  list.replaceChildren(...rows);
  const sum = document.getElementById('ck-summary');
  if (day) {
    const done = stops.filter(s => stateOf(s) !== 'planned' && stateOf(s) !== 'failed').length;
    sum.textContent = !day.reps.length ? 'No rep is linked to you, so there is no call plan to follow.'
      : !stops.length ? `No stops planned for ${DAY}.`
      : `${stops.length} stops, ${done} checked in.`;
    if (day.hidden) sum.textContent += ` ${day.hidden} more at accounts you may not read.`;
  }
  const waiting = queue.filter(q => q.state === 'queued').length, failed = queue.filter(q => q.state === 'failed').length;
  const qe = document.getElementById('ck-queue');
  qe.className = waiting ? 'queued' : '';
  qe.textContent = waiting ? `${waiting} check-in${waiting > 1 ? 's' : ''} queued` : failed ? `${failed} not logged` : 'All check-ins sent';
  qe.dataset.queued = String(waiting);
  renderNet();
  if (map) drawMap();
}

function renderNet() {
  const n = document.getElementById('ck-net');
  n.textContent = navigator.onLine ? 'online' : 'offline';
  n.classList.toggle('offline', !navigator.onLine);
}

async function checkIn(stop, outcome, notes, button) {
  button.disabled = true;
  button.textContent = 'Locating…';
  const item = { id: uuid(), account: stop.account, date: stamp(), outcome, notes, state: 'queued' };
  if (USER) item.user = USER;
  const c = await position();
  if (c) { item.lat = +c.latitude.toFixed(6); item.lon = +c.longitude.toFixed(6); }
  queue.push(item);
  saveQueue();
  render();
  flush();
}

// ---- the map ----
function drawMap() {
  if (!window.L || !day) return;
  if (!map) {
    map = L.map('ck-map', { zoomControl: false, attributionControl: false });
    markers = L.layerGroup().addTo(map);
    // The offline base map of the app (state borders), then tiles when the server names some.
    fetch('/basemap/states.json').then(r => (r.ok ? r.json() : null)).then(us => {
      if (us && window.topojson) L.geoJSON(topojson.feature(us, us.objects.states), { interactive: false, className: 'ck-states' }).addTo(map).bringToBack();
    }).catch(() => {});
    request('GET', '/config').then(c => {
      if (c && c.tile_url) L.tileLayer(c.tile_url, { maxZoom: 19 }).addTo(map);
    }).catch(() => {});
  }
  markers.clearLayers();
  const pts = day.stops.filter(s => Number.isFinite(s.lat) && Number.isFinite(s.lon)).map(s => [s.lat, s.lon, s]);
  if (!pts.length) { map.setView([39, -97], 3); return; }
  L.polyline(pts.map(p => [p[0], p[1]]), { color: '#2f4b6e', weight: 3, opacity: 0.7 }).addTo(markers);
  for (const [lat, lon, s] of pts) {
    const st = stateOf(s);
    L.circleMarker([lat, lon], { radius: 9, color: '#fff', weight: 2, fillOpacity: 1,
      fillColor: st === 'planned' ? '#2f4b6e' : st === 'queued' ? '#b7791f' : st === 'failed' ? '#c0392b' : '#3a8f4b' })
      .bindTooltip(`${s.seq}. ${s.name || s.account}`).addTo(markers);
  }
  if (!fitted) map.fitBounds(L.latLngBounds(pts.map(p => [p[0], p[1]])).pad(0.15));
  fitted = true;
}

// ---- start ----
async function main() {
  document.getElementById('ck-date').textContent = new Date(DAY + 'T12:00:00').toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  renderNet();
  const s = await signIn();
  login = (s.user && s.user.username) || 'local';
  loadQueue();
  render();
  window.addEventListener('online', () => { renderNet(); flush(); });
  window.addEventListener('offline', renderNet);
  document.getElementById('ck-send').addEventListener('click', flush);
  setInterval(() => { renderNet(); flush(); }, RETRY_MS);
  await refresh();
  flush();
}

window.regioCheckin = { ready: main().then(() => true, e => { console.error(e); return false; }), queue: () => queue };
