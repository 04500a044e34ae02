// Balance panel latency of the web app in headless Chromium: opens the app
// (served by the `regio serve` behind API_BASE), waits for window.regio.ready,
// picks a border unit with some of the balance measure and the territory next
// to it on the map, then N times moves that unit back and forth (so the
// design stays balanced; N even leaves it where it was) with a real click on
// its path after choosing #target-territory (window.regio.moveUnits if the
// path cannot be hit at its centroid). Timed inside the page with
// performance.now():
//   t0  the click event's timeStamp (the mouse release), or just before
//       window.regio.moveUnits([unit], target);
//   t1  a MutationObserver on #balance-body sees the target's row show the
//       new total: td.total[data-measure=M] with data-value = old total + the
//       unit's M (from the API) and the app's formatted text of that value;
//   t2  the first frame after t1 (requestAnimationFrame, then a task: the
//       frame holding the new row has been produced).
// Between edits it waits for the app's background refresh (territories and
// outlines, 250 ms after an edit) to finish, as a user's next click would.
// Prints one JSON line: {n, unit, from, to, measure, delta, clicks (edits made
// by a real click; the rest by moveUnits), median_ms, p95_ms, max_ms (t1 - t0),
// frame_* (t2 - t0), post_* (the POST /moves itself, Resource Timing),
// app_move_* and panel_* (the app's own state.lastMoveMs and
// state.lastPanelRenderMs), page_errors}. Without Chromium or playwright-core
// it prints {"skipped": "why"} and exits 0.
//   node bench/app_edit.mjs API_BASE MODEL [N]
// APP_ALL=1: every t1 - t0 on stderr; APP_DBG=1: each edit's page times;
// APP_VIA=api: every edit by window.regio.moveUnits (no click).
// REGIO_CHROMIUM overrides /usr/bin/chromium.
import { existsSync } from 'node:fs';
import { percentile } from '../tests/api/harness.mjs';

const [base, model, nArg] = process.argv.slice(2);
if (!base || !model) {
  console.error('usage: node bench/app_edit.mjs http://127.0.0.1:PORT/api/v1 MODEL [N]');
  process.exit(2);
}
const N = Number(nArg || 30);
const CHROMIUM = process.env.REGIO_CHROMIUM || '/usr/bin/chromium';
const skip = why => { console.log(JSON.stringify({ skipped: why })); process.exit(0); };
if (!existsSync(CHROMIUM)) skip(`no Chromium at ${CHROMIUM}`);
let chromium;
try { ({ chromium } = await import('playwright-core')); } catch { skip('playwright-core not installed'); }

const enc = encodeURIComponent;
const appUrl = base.replace(/api\/v1\/?$/, '');
const getJson = async (url, what) => {
  const r = await fetch(url);
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
  return r.json();
};

let browser;
const errors = [];
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
} catch (e) { skip(`Chromium did not start: ${String(e.message || e).split('\n')[0]}`); }

try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
  page.on('console', m => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  // Requests in flight, to wait for the background refresh after each edit.
  let inflight = 0, lastDone = Date.now();
  const done = () => { inflight = Math.max(0, inflight - 1); lastDone = Date.now(); };
  page.on('request', () => { inflight++; });
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  async function settle(minMs = 400, quietMs = 150, timeoutMs = 15000) {
    const start = Date.now();
    for (;;) {
      const now = Date.now();
      if (now - start >= minMs && inflight === 0 && now - lastDone >= quietMs) return;
      if (now - start > timeoutMs) throw new Error(`the app did not settle in ${timeoutMs} ms (${inflight} requests in flight)`);
      await new Promise(r => setTimeout(r, 20));
    }
  }

  const resp = await page.goto(appUrl, { waitUntil: 'load', timeout: 60000 });
  if (resp.status() !== 200) throw new Error(`GET ${appUrl}: HTTP ${resp.status()}`);
  await page.waitForFunction(() => window.regio && window.regio.ready, null, { timeout: 30000 });
  const ready = await page.evaluate(() => Promise.race([window.regio.ready,
    new Promise(r => setTimeout(() => r('timeout'), 60000))]));
  if (ready !== true) throw new Error(`window.regio.ready: ${ready}`);
  await page.evaluate(m => (window.regio.state.model === m ? null : window.regio.loadModel(m)), model);
  await settle(500, 300, 30000);

  // The measure shown in the panel (accounts if chosen) and the unit data.
  const measure = await page.evaluate(() => {
    const b = window.regio.state.balance;
    return b.includes('accounts') ? 'accounts' : b[0];
  });
  if (!measure) throw new Error('the balance panel shows no measure');
  const al = await getJson(`${base}/models/${enc(model)}/alignment`, 'alignment');
  const units = [];
  for (let off = 0; ; off += 5000) {
    const got = await getJson(`${base}/units?limit=5000&offset=${off}`, 'units');
    units.push(...got.units);
    if (!got.units.length || units.length >= got.total) break;
  }
  const byId = Object.fromEntries(units.map(u => [u.id, u]));
  const count = {};
  for (const t of Object.values(al.units)) count[t] = (count[t] || 0) + 1;
  const locked = new Set(al.locked || []);
  const cands = units
    .filter(u => (u.measures?.[measure] || 0) > 0 && !locked.has(u.id) && count[al.units[u.id]] > 1)
    .sort((a, b) => b.measures[measure] - a.measures[measure])
    .map(u => ({ id: u.id, lat: u.lat, lon: u.lon }));

  // A border unit whose centroid is a visible, clickable point of its own
  // path, and the territory of a unit just outside its box.
  const pick = await page.evaluate(({ cands, alignment }) => {
    const st = window.regio.state, map = window.regio.map;
    const box = document.getElementById('map').getBoundingClientRect();
    for (const u of cands) {
      if (!st.unitLayers[u.id] || st.alignment[u.id] !== alignment[u.id]) continue;
      const p = map.latLngToContainerPoint([u.lat, u.lon]);
      const x = box.left + p.x, y = box.top + p.y;
      if (x < box.left + 5 || y < box.top + 5 || x > box.right - 5 || y > box.bottom - 5) continue;
      const hit = document.elementFromPoint(x, y);
      if (!hit || hit.getAttribute('data-unit') !== u.id) continue;
      const r = hit.getBoundingClientRect();
      for (const [px, py] of [[r.left - 3, y], [r.right + 3, y], [x, r.top - 3], [x, r.bottom + 3]]) {
        const n = document.elementFromPoint(px, py);
        const t = n && n.getAttribute('data-unit') && alignment[n.getAttribute('data-unit')];
        if (t && t !== alignment[u.id]) return { unit: u.id, x, y, from: alignment[u.id], to: t, click: true };
      }
    }
    return null;
  }, { cands: cands.slice(0, 400), alignment: al.units });
  if (!pick) throw new Error('no clickable border unit with ' + measure);
  const delta = byId[pick.unit].measures[measure];

  // The in-page probe: arm() before the action, then await window.__appEdit.
  await page.evaluate(() => {
    window.__appEditArm = async ({ territory, measure, expected, viaApi, unit }) => {
      const { fmtNum } = await import('/app/js/state.js');
      const want = fmtNum(expected);
      const body = document.getElementById('balance-body');
      const cell = () => {
        const row = body.querySelector(`tr[data-territory="${CSS.escape(territory)}"]`);
        return row && row.querySelector(`td.total[data-measure="${CSS.escape(measure)}"]`);
      };
      const shows = () => {
        const c = cell();
        return !!c && Math.abs(Number(c.dataset.value) - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
          && c.textContent.trim() === want;
      };
      if (shows()) throw new Error(`${territory} already shows ${expected}`);
      let t0 = null;
      const res = {};
      window.__appEdit = new Promise((resolve, reject) => {
        const timer = setTimeout(() => { obs.disconnect(); reject(new Error(`row ${territory} did not show ${want} (${expected}) within 10 s; it shows ${cell()?.textContent}`)); }, 10000);
        const obs = new MutationObserver(() => {
          if (!shows()) return;
          res.t1 = performance.now();
          obs.disconnect();
          clearTimeout(timer);
          requestAnimationFrame(() => {
            const ch = new MessageChannel();
            ch.port1.onmessage = () => {
              res.t2 = performance.now();
              if (t0 === null) return reject(new Error('the row changed before the action'));
              const post = performance.getEntriesByType('resource').filter(e => /\/moves(\?|$)/.test(e.name)).at(-1);
              resolve({ ms: res.t1 - t0, frame_ms: res.t2 - t0, post_ms: post ? post.duration : null,
                app_move_ms: window.regio.state.lastMoveMs ?? null, panel_ms: window.regio.state.lastPanelRenderMs ?? null, times: { ...res, t0 } });
            };
            ch.port2.postMessage(0);
          });
        });
        obs.observe(body, { childList: true, subtree: true, characterData: true, attributes: true });
      });
      window.__appEdit.catch(() => {});
      performance.clearResourceTimings();
      if (viaApi) {
        t0 = performance.now();
        window.regio.moveUnits([unit], territory).catch(() => {});
      } else {
        // The click's time stamp is when the browser received the mouse
        // release (any wait for the main thread counts); the app moves on
        // Leaflet's click, after this capturing listener.
        window.addEventListener('click', e => { t0 = e.timeStamp; res.click_handled = performance.now(); }, { capture: true, once: true });
      }
    };
  });

  const ms = [], frame = [], post = [], appMove = [], panel = [];
  let cur = pick.from, clicks = 0;
  async function edit(target) {
    await page.selectOption('#target-territory', target);
    const before = await page.evaluate(({ t, m }) => {
      const c = document.querySelector(`#balance-body tr[data-territory="${CSS.escape(t)}"] td.total[data-measure="${CSS.escape(m)}"]`);
      return c ? Number(c.dataset.value) : null;
    }, { t: target, m: measure });
    if (before === null || Number.isNaN(before)) throw new Error(`no total of ${measure} for ${target} in the panel`);
    const hit = process.env.APP_VIA !== 'api' && await page.evaluate(({ x, y, u }) => document.elementFromPoint(x, y)?.getAttribute('data-unit') === u,
      { x: pick.x, y: pick.y, u: pick.unit });
    const arg = { territory: target, measure, expected: before + delta, viaApi: !hit, unit: pick.unit };
    await page.evaluate(a => window.__appEditArm(a), arg);
    if (hit) { await page.mouse.click(pick.x, pick.y); clicks++; }
    const r = await page.evaluate(() => window.__appEdit);
    if (process.env.APP_DBG) console.error(JSON.stringify(r.times));
    const now = await page.evaluate(u => window.regio.state.alignment[u], pick.unit);
    if (now !== target) throw new Error(`after the edit the app has ${pick.unit} in ${now}, not ${target}`);
    cur = target;
    await settle();
    return r;
  }
  try {
    for (let i = 0; i < N; i++) {
      const r = await edit(cur === pick.from ? pick.to : pick.from);
      ms.push(r.ms); frame.push(r.frame_ms);
      if (r.post_ms !== null) post.push(r.post_ms);
      if (r.app_move_ms !== null) appMove.push(r.app_move_ms);
      if (r.panel_ms !== null) panel.push(r.panel_ms);
    }
  } finally {
    // Leave the unit where it started.
    if (cur !== pick.from) {
      await page.evaluate(({ u, t }) => window.regio.moveUnits([u], t), { u: pick.unit, t: pick.from }).catch(() => {});
      await settle().catch(() => {});
    }
  }
  if (process.env.APP_ALL) console.error(ms.map(x => x.toFixed(1)).join(' '));
  const s = a => a.slice().sort((x, y) => x - y);
  const r1 = x => Math.round(x * 10) / 10;
  const stats = (a, prefix) => {
    const v = s(a);
    return v.length ? { [`${prefix}median_ms`]: r1(percentile(v, 50)), [`${prefix}p95_ms`]: r1(percentile(v, 95)), [`${prefix}max_ms`]: r1(v.at(-1)) } : {};
  };
  console.log(JSON.stringify({
    n: ms.length, unit: pick.unit, name: byId[pick.unit].name, from: pick.from, to: pick.to, measure, delta, clicks,
    ...stats(ms, ''), ...stats(frame, 'frame_'), ...stats(post, 'post_'), ...stats(appMove, 'app_move_'), ...stats(panel, 'panel_'),
    page_errors: errors.length,
  }));
  if (errors.length) console.error('app_edit.mjs: page errors:\n  ' + errors.slice(0, 10).join('\n  '));
} finally {
  await browser.close().catch(() => {});
}
