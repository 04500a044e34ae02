// The Leaflet map: offline base layer, optional tiles, units coloured by
// territory, territory outlines and labels, accounts, rep homes, plan routes,
// and the lasso tool.
/* global L, topojson */
import { state, emit, on, colorOf, assignColors, esc, status, showError, debounce, repName } from './state.js';
import * as fmt from './format.js';
import { api } from './api.js';
import * as model from './model.js';
import { reasonFor } from './reasons.js';

export let map = null;
const layers = {};
let unitsGeo = null;            // the L.GeoJSON of unit boundaries
let labelsGroup = null;
let lassoOn = false;

export function initMap() {
  map = L.map('map', { zoomControl: true, minZoom: 2, maxZoom: 18, worldCopyJump: false, attributionControl: true });
  map.attributionControl.setPrefix('Regio · Leaflet');
  for (const [name, z] of [['base', 250], ['units', 400], ['terr', 450], ['route', 500]]) {
    const p = map.createPane(name);
    p.style.zIndex = z;
    if (name === 'terr' || name === 'base') p.style.pointerEvents = 'none';
  }
  map.setView([39.5, -98.35], 4);
  layers.base = L.layerGroup();
  layers.units = L.layerGroup();
  layers.terr = L.layerGroup();
  labelsGroup = L.layerGroup();
  // Chunks of at most 40 ms, so a move answer never waits long behind account clustering.
  layers.accounts = L.markerClusterGroup({ chunkedLoading: true, chunkInterval: 40, chunkDelay: 10, showCoverageOnHover: false, maxClusterRadius: 50,
    chunkProgress: (done, total) => { if (done >= total && accountsDone) { accountsDone(); accountsDone = null; } } });
  layers.reps = L.layerGroup();
  layers.route = L.layerGroup();
  for (const k of ['units', 'terr', 'accounts', 'reps', 'route']) layers[k].addTo(map);
  labelsGroup.addTo(map);
  layers.control = L.control.layers({}, {
    'Units (by territory)': layers.units, 'Territory outlines': layers.terr, 'Territory labels': labelsGroup,
    'Accounts': layers.accounts, 'Rep homes': layers.reps, 'Plan route': layers.route,
  }, { collapsed: true, position: 'topright' }).addTo(map);
  addInfoBox();
  setupLasso();
  followModel();
  map.on('moveend', debounce(() => { if (state.loaded) loadAccounts(); }, 250));
  return map;
}

// ---------- base layers ----------
export async function loadBasemap(tileUrl) {
  const canvas = L.canvas({ pane: 'base', padding: 0.5 });
  const [world, us] = await Promise.all([
    fetch('/basemap/countries.json').then(r => { if (!r.ok) throw new Error('basemap countries: HTTP ' + r.status); return r.json(); }),
    fetch('/basemap/states.json').then(r => { if (!r.ok) throw new Error('basemap states: HTTP ' + r.status); return r.json(); }),
  ]);
  const common = { pane: 'base', renderer: canvas, interactive: false };
  L.geoJSON(topojson.feature(world, world.objects.countries), {
    ...common, style: { color: '#b9b4aa', weight: 0.6, fillColor: '#f3f1ec', fillOpacity: 1 },
  }).addTo(layers.base);
  L.geoJSON(topojson.mesh(us, us.objects.states, (a, b) => a !== b), {
    ...common, style: { color: '#9a958c', weight: 0.8, fill: false },
  }).addTo(layers.base);
  if (tileUrl) {
    // Tiles on top of the offline base, which stays below as the fallback when offline.
    map.getPane('base').style.zIndex = 150;
    const tiles = L.tileLayer(tileUrl, { maxZoom: 19, attribution: 'Tiles: configured server', className: 'online-tiles' });
    layers.control.addOverlay(tiles, 'Online tiles');
    tiles.addTo(map);
    layers.tiles = tiles;
  }
  layers.control.addOverlay(layers.base, 'Offline base');
  layers.base.addTo(map);
}

// ---------- units ----------
function unitStyle(id) {
  const t = model.territoryOf(id);
  const sel = selSet.has(id);
  const locked = model.isLocked(id);
  const s = { pane: 'units', weight: 0.5, color: '#ffffff', opacity: 0.9, fillColor: t ? colorOf(t) : '#cccccc', fillOpacity: t ? 0.55 : 0.25, dashArray: null };
  if (state.compare) {
    const ch = state.compare.byUnit[id];
    if (ch) Object.assign(s, { fillColor: ch.to ? colorOf(ch.to) : '#888', fillOpacity: 0.9, color: '#c0392b', weight: 1.6 });
    else Object.assign(s, { fillColor: '#d9d6cf', fillOpacity: 0.45 });
  }
  if (locked) Object.assign(s, { color: '#333', weight: 1.2, dashArray: '2 3' });
  if (sel) Object.assign(s, { color: '#111', weight: 1.8, dashArray: null, fillOpacity: Math.min(0.85, s.fillOpacity + 0.2) });
  return s;
}
let selSet = new Set();

let unitsRaw = null, unitAdjCache = null, unitAdjFor = null;
export function renderUnits(geojson) {
  unitsRaw = geojson;
  layers.units.clearLayers();
  state.unitLayers = {};
  // SVG keeps one <path data-unit> per unit; beyond a few thousand units canvas is much faster.
  const many = (geojson.features || []).length > 8000;
  const renderer = many ? L.canvas({ pane: 'units', padding: 0.3, tolerance: 1 }) : L.svg({ pane: 'units', padding: 0.3 });
  state.unitRenderer = many ? 'canvas' : 'svg';
  unitsGeo = L.geoJSON(geojson, {
    renderer,
    style: f => unitStyle(String(f.properties.id)),
    // Point units (ZIP centroids, stores) as vector dots on the same
    // renderer: Leaflet's default marker per point is a DOM image, far too
    // heavy at tens of thousands.
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer, radius: many ? 2.5 : 4 }),
    onEachFeature: (f, layer) => {
      const id = String(f.properties.id);
      layer.options.className = 'unit';
      state.unitLayers[id] = layer;
      layer.unitId = id;
    },
  });
  unitsGeo.on('click', e => {
    if (suppressClick) return;
    L.DomEvent.stop(e);
    emit('unit-click', e.layer.unitId, e.originalEvent);
  });
  unitsGeo.on('mouseover', e => showInfo(e.layer.unitId));
  unitsGeo.on('mouseout', () => showInfo(null));
  unitsGeo.addTo(layers.units);
  for (const [id, layer] of Object.entries(state.unitLayers)) {
    const p = layer.getElement && layer.getElement();
    if (p) { p.setAttribute('data-unit', id); p.setAttribute('data-in', model.territoryOf(id) || ''); }
  }
}

/** Restyle all units, or only the given ids (fast path after a move). */
export function restyleUnits(ids) {
  selSet = new Set(state.selection);
  const list = ids || Object.keys(state.unitLayers);
  for (const id of list) {
    const layer = state.unitLayers[id];
    if (!layer) continue;
    layer.setStyle(unitStyle(id));
    const p = layer.getElement && layer.getElement();
    if (p) {
      p.setAttribute('data-in', model.territoryOf(id) || '');
      p.classList.toggle('locked', model.isLocked(id));
      p.classList.toggle('selected', selSet.has(id));
    }
  }
}

/** Unit adjacency approximated by touching bounding boxes (sweep over west edges; cheap, no GC churn). */
function unitAdjacency(geojson) {
  if (unitAdjCache && geojson === unitAdjFor) return unitAdjCache;
  const boxes = [];
  for (const f of geojson.features || []) {
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    let w = Infinity, so = Infinity, e = -Infinity, n = -Infinity;
    for (const poly of polys) for (const [x, y] of poly[0] || []) {
      if (x < w) w = x; if (x > e) e = x; if (y < so) so = y; if (y > n) n = y;
    }
    if (w <= e) boxes.push({ id: String(f.properties.id), w, so, e, n });
  }
  boxes.sort((a, b) => a.w - b.w);
  const eps = 1e-6;
  const unitAdj = new Map();
  const link = (a, b) => { if (!unitAdj.has(a)) unitAdj.set(a, new Set()); unitAdj.get(a).add(b); };
  for (let i = 0; i < boxes.length; i++) {
    const A = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].w <= A.e + eps; j++) {
      const B = boxes[j];
      if (B.so <= A.n + eps && B.n >= A.so - eps) { link(A.id, B.id); link(B.id, A.id); }
    }
  }
  unitAdjCache = unitAdj; unitAdjFor = geojson;
  return unitAdj;
}
export function territoryAdjacency(geojson) {
  const unitAdj = unitAdjacency(geojson);
  const adj = {};
  const al = model.alignment();
  for (const t of model.territoryIds()) adj[t] = new Set();
  for (const [a, ns] of unitAdj) {
    const ta = al[a];
    for (const b of ns) {
      const tb = al[b];
      if (ta && tb && ta !== tb) { (adj[ta] = adj[ta] || new Set()).add(tb); (adj[tb] = adj[tb] || new Set()).add(ta); }
    }
  }
  return adj;
}
export function colourTerritories(geojson) {
  state.colors = assignColors(model.territoryIds(), geojson ? territoryAdjacency(geojson) : {});
}
export function unitsGeojson() { return unitsRaw; }
/** The unit boundaries, known before a model is: the first model loaded draws them. */
export function setUnitShapes(geojson) { unitsRaw = geojson; }
export const unitsDrawn = () => !!unitsGeo;

/** The map follows model.js: a loaded model colours the territories and
 *  styles (or first draws) every unit; an edit restyles the units it touched;
 *  outlines replace the territory layer. */
function followModel() {
  on('model-loaded', (name, { reload } = {}) => {
    if (!reload || !Object.keys(state.colors).length) colourTerritories(unitsRaw);
    if (unitsRaw && !unitsGeo) renderUnits(unitsRaw);
    else restyleUnits();
  });
  on('model-changed', ch => {
    restyleUnits([...ch.units, ...ch.locked, ...state.selection]);
    if (ch.units.length) labelsSoon();
  });
  on('outlines', g => { if (g) renderTerritories(g); else renderLabels(); });
  on('reps', () => renderLabels());   // the labels name each territory's rep
}
let labelTimer = null;
function labelsSoon() { clearTimeout(labelTimer); labelTimer = setTimeout(renderLabels, 120); }

// ---------- territories ----------
export function renderTerritories(geojson) {
  layers.terr.clearLayers();
  const noUnits = !Object.keys(state.unitLayers).length;   // no unit layer: colour the territories themselves
  const g = L.geoJSON(geojson, {
    pane: 'terr', interactive: false,
    style: f => {
      const p = f.properties || {};
      const contiguous = p.contiguous !== false;
      return { className: 'territory', color: contiguous ? '#222' : '#c0392b', weight: contiguous ? 1.6 : 2.2, dashArray: contiguous ? null : '6 4',
        fill: noUnits, fillColor: colorOf(terrId(f)), fillOpacity: 0.45, opacity: 0.85 };
    },
  }).addTo(layers.terr);
  g.eachLayer(l => { const p = l.getElement && l.getElement(); if (p) p.setAttribute('data-outline', terrId(l.feature)); });
  renderLabels();
}
const terrId = f => String((f.properties && (f.properties.id ?? f.properties.territory)) ?? f.id ?? '');

/** Labels at the unit centroid nearest each territory's mean centroid (always inside it). */
export function renderLabels() {
  labelsGroup.clearLayers();
  const acc = {};
  for (const [u, t] of Object.entries(model.alignment())) {
    const U = state.units[u];
    if (!U || U.lat == null) continue;
    const a = acc[t] || (acc[t] = { lat: 0, lon: 0, n: 0, us: [] });
    a.lat += U.lat; a.lon += U.lon; a.n++; a.us.push(U);
  }
  const anyRep = model.territories().some(x => x.rep);
  for (const [t, a] of Object.entries(acc)) {
    const lat = a.lat / a.n, lon = a.lon / a.n;
    let best = a.us[0], bd = Infinity;
    for (const U of a.us) { const d = (U.lat - lat) ** 2 + (U.lon - lon) ** 2; if (d < bd) { bd = d; best = U; } }
    const tt = model.territory(t);
    // The rep under the name; "vacant" only in a model where reps are set.
    const rep = tt && tt.rep ? repName(tt.rep) : anyRep ? 'vacant' : '';
    L.tooltip({ permanent: true, direction: 'center', className: 'terr-label', interactive: false })
      .setLatLng([best.lat, best.lon])
      .setContent(esc(tt && tt.name ? tt.name : t) + (rep ? `<br><span class="terr-rep${tt && tt.rep ? '' : ' vacant'}">${esc(rep)}</span>` : ''))
      .addTo(labelsGroup);
  }
}

export function fitToUnits() {
  const pts = Object.values(state.units).filter(u => u.lat != null).map(u => [u.lat, u.lon]);
  if (pts.length) map.fitBounds(L.latLngBounds(pts), { padding: [10, 10] });
  else if (unitsGeo && unitsGeo.getBounds().isValid()) map.fitBounds(unitsGeo.getBounds());
}
export function zoomToUnits(ids) {
  const b = L.latLngBounds([]);
  for (const id of ids) { const l = state.unitLayers[id]; if (l) b.extend(l.getBounds()); else if (state.units[id]) b.extend([state.units[id].lat, state.units[id].lon]); }
  if (b.isValid()) map.fitBounds(b, { maxZoom: 8, padding: [30, 30] });
}
export function zoomToTerritory(t) {
  zoomToUnits(model.unitsIn(t));
}

// ---------- info box ----------
let infoEl = null;
function addInfoBox() {
  const Info = L.Control.extend({ onAdd() { infoEl = L.DomUtil.create('div', 'map-info'); infoEl.id = 'map-info'; infoEl.hidden = true; return infoEl; } });
  new Info({ position: 'bottomleft' }).addTo(map);
}
function showInfo(id) {
  if (!infoEl) return;
  if (!id) { infoEl.hidden = true; return; }
  const U = state.units[id] || { id, name: '' };
  const ms = Object.entries(U.measures || {}).filter(([k]) => state.measures.includes(k)).map(([k, v]) => `${esc(k)} ${fmt.measure(k, v)}`).join(' · ');
  const ch = state.compare && state.compare.byUnit[id];
  const why = reasonFor(id, model.territoryOf(id));
  infoEl.innerHTML = `<b>${esc(U.name || id)}</b> <span class="muted">${esc(id)}</span><br>` +
    `Territory <b>${esc(model.territoryOf(id) || '—')}</b>${model.isLocked(id) ? ' · locked' : ''}` +
    (ch ? `<br>Changed ${esc(ch.from)} → ${esc(ch.to)}` : '') + (ms ? `<br><span class="muted">${ms}</span>` : '') +
    (why ? `<br><span class="why" data-testid="unit-reason">Why: ${esc(why.text)}</span>` : '');
  infoEl.hidden = false;
}

// ---------- accounts and reps ----------
let accAbort = null;
let accountsDone = null;
/** Loads the accounts in view; resolves once they are clustered on the map. */
export async function loadAccounts() {
  if (!map || !map.hasLayer(layers.accounts)) return;
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => Math.max(-180, Math.min(180, v)).toFixed(4)).join(',');
  if (accAbort) accAbort.abort();
  accAbort = new AbortController();
  try {
    const r = await api.accounts({ bbox, limit: 5000 }, accAbort.signal);
    const ms = [];
    for (const a of r.accounts || []) {
      if (a.lat == null || a.lon == null) continue;
      const mk = L.circleMarker([a.lat, a.lon], { radius: 4, weight: 1, color: '#fff', fillColor: '#333', fillOpacity: 0.85 });
      mk.bindPopup(() => `<b>${esc(a.name)}</b><br>${esc(a.city || '')} ${esc(a.region || '')} ${esc(a.postal_code || '')}<br>` +
        `Unit ${esc(a.unit || '—')} → ${esc(model.territoryOf(a.unit) || '—')}<br>Revenue ${fmt.money(a.annual_revenue)} · potential ${fmt.money(a.potential)}` +
        (a.owner ? `<br>Owner ${esc(a.owner)}` : ''));
      ms.push(mk);
    }
    layers.accounts.clearLayers();
    const clustered = new Promise(res => { accountsDone = res; });
    layers.accounts.addLayers(ms);
    if (!ms.length && accountsDone) { accountsDone(); accountsDone = null; }
    await Promise.race([clustered, new Promise(res => setTimeout(res, 5000))]);
    state.accountsShown = ms.length;
    state.accountsTotal = r.total;
  } catch (e) {
    if (e.name !== 'AbortError') showError(e, 'Loading accounts');
  }
}

export function renderReps(reps) {
  layers.reps.clearLayers();
  for (const r of reps) {
    if (r.lat == null || r.lon == null) continue;
    const icon = L.divIcon({ className: 'rep-icon', html: '<span>⌂</span>', iconSize: [18, 18], iconAnchor: [9, 9] });
    L.marker([r.lat, r.lon], { icon, title: r.name, keyboard: false })
      .bindPopup(`<b>${esc(r.name)}</b> <span class="muted">${esc(r.id)}</span><br>${esc(r.city || '')} ${esc(r.region || '')}<br>Capacity ${fmt.measure('capacity', r.capacity)}`)
      .addTo(layers.reps);
  }
}

// ---------- plan routes ----------
export function showRoute(day, rep) {
  layers.route.clearLayers();
  if (!day) return;
  if (!map.hasLayer(layers.route)) layers.route.addTo(map);
  const pts = (day.route || []).filter(p => Array.isArray(p) && p.length >= 2);
  if (pts.length > 1) L.polyline(pts, { pane: 'route', color: '#c0392b', weight: 3, opacity: 0.9, className: 'plan-route' }).addTo(layers.route);
  (day.visits || []).forEach((v, i) => {
    const icon = L.divIcon({ className: 'stop-icon', html: `<span>${i + 1}</span>`, iconSize: [20, 20], iconAnchor: [10, 10] });
    L.marker([v.lat, v.lon], { icon, title: v.name, keyboard: false })
      .bindPopup(`<b>${i + 1}. ${esc(v.name)}</b> <span class="muted">${esc(v.account)}</span><br>${esc(v.arrive || '')}–${esc(v.depart || '')}`)
      .addTo(layers.route);
  });
  if (rep && rep.lat != null) L.marker([rep.lat, rep.lon], { icon: L.divIcon({ className: 'rep-icon home', html: '<span>⌂</span>', iconSize: [20, 20], iconAnchor: [10, 10] }), title: rep.name }).addTo(layers.route);
  // overnight trips: the hotel the day ends at (and the one it started from)
  const hotel = (p, title) => L.marker(p, { icon: L.divIcon({ className: 'rep-icon hotel', html: '<span>☾</span>', iconSize: [20, 20], iconAnchor: [10, 10] }), title, keyboard: false }).addTo(layers.route);
  if (Array.isArray(day.night)) hotel(day.night, 'night at a hotel');
  if (day.starts_at === 'hotel' && pts.length) hotel(pts[0], "last night's hotel");
  const b = L.latLngBounds(pts.length ? pts : (day.visits || []).map(v => [v.lat, v.lon]));
  if (b.isValid()) map.fitBounds(b, { padding: [40, 40], maxZoom: 10 });
}

// ---------- lasso ----------
let suppressClick = false;
export function setLasso(onOff) {
  lassoOn = onOff;
  map.getContainer().classList.toggle('lasso-mode', onOff);
  const b = document.getElementById('lasso-button');
  if (b) { b.setAttribute('aria-pressed', String(onOff)); b.classList.toggle('active', onOff); }
}
export function isLasso() { return lassoOn; }

function setupLasso() {
  const c = map.getContainer();
  let path = null, line = null;
  c.addEventListener('mousedown', e => {
    if (e.button !== 0 || !(lassoOn || e.altKey)) return;
    if (e.target.closest('.leaflet-control')) return;
    e.preventDefault(); e.stopPropagation();
    map.dragging.disable();
    path = [map.mouseEventToLatLng(e)];
    line = L.polyline(path, { pane: 'route', color: '#111', weight: 1.5, dashArray: '4 4', interactive: false }).addTo(map);
  }, true);
  c.addEventListener('mousemove', e => {
    if (!path) return;
    path.push(map.mouseEventToLatLng(e));
    line.setLatLngs(path);
  }, true);
  const finish = e => {
    if (!path) return;
    const poly = path; path = null;
    map.removeLayer(line); line = null;
    map.dragging.enable();
    if (poly.length < 3) return;          // a plain click: let the unit's click handler have it
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 50);
    const ids = unitsInPolygon(poly.map(p => [p.lng, p.lat]));
    emit('lasso', ids, e);
  };
  c.addEventListener('mouseup', finish, true);
  window.addEventListener('mouseup', finish);
}

export function unitsInPolygon(poly) {
  const out = [];
  for (const U of Object.values(state.units)) {
    if (U.lat == null || !model.hasUnit(U.id)) continue;
    if (pointInPolygon(U.lon, U.lat, poly)) out.push(U.id);
  }
  return out;
}
export function pointInPolygon(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
export { layers, status };
