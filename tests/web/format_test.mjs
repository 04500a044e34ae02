// The app's numbers for people (web/js/format.js), in node: fixed cases
// (the same texts as tests/unit/test_format.c expects of regio/format.h, so
// the app and the CLI's reports agree), then random values of every scale
// against oracles written here — the separators stand every three digits of
// the whole part, without them the text is toFixed's, money reads back to
// the value within half of its last digit with three significant digits
// and the right suffix, percentages and durations parse back within the
// shown rounding, and no text is ever in scientific notation.
// Prints ok/FAIL per test and "N passed, N failed".
import assert from 'node:assert/strict';
import { test, run } from '../api/harness.mjs';
import * as fmt from '../../web/js/format.js';

/** A seeded PRNG (mulberry32), so a failure can be run again. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value of any scale from 1e-6 to 1e15, a third of them whole, half negative. */
function anyValue(r) {
  let v = (r() + 0.05) * 10 ** Math.floor(r() * 21 - 6);
  if (r() < 1 / 3) v = Math.round(v);
  return r() < 0.5 ? -v : v;
}

/** The text without separators; throws when one stands out of place. */
function ungroup(s) {
  const sign = /^[-+]/.test(s) ? s[0] : '';
  const body = s.slice(sign.length);
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const digits = whole.replace(/,/g, '');
  assert.match(digits, /^\d+$/, `digits of ${s}`);
  let want = '';
  for (let i = 0; i < digits.length; i++) want += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i];
  assert.equal(whole, want, `separators of ${s}`);
  return sign + digits + (dot < 0 ? '' : body.slice(dot));
}

test('fixed cases: the texts regio/format.h gives', () => {
  assert.equal(fmt.number(0), '0');
  assert.equal(fmt.number(999), '999');
  assert.equal(fmt.number(1000), '1,000');
  assert.equal(fmt.number(1234567), '1,234,567');
  assert.equal(fmt.number(-1234567.891, 2), '-1,234,567.89');
  assert.equal(fmt.number(12345.66, 1), '12,345.7');
  assert.equal(fmt.number(-0.04, 1), '0.0');
  assert.equal(fmt.number(999999.6), '1,000,000');
  assert.equal(fmt.number(NaN), '–');
  assert.equal(fmt.number(null), '–');
  assert.equal(fmt.count(4000), '4,000');
  assert.equal(fmt.money(950), '950');
  assert.equal(fmt.money(12345), '12.3 k');
  assert.equal(fmt.money(1273440000), '1.27 B');
  assert.equal(fmt.money(33105000000), '33.1 B');
  assert.equal(fmt.money(1273440, 'USD'), 'USD 1.27 M');
  assert.equal(fmt.money(-4500000), '-4.50 M');
  assert.equal(fmt.money(999999), '1.00 M');
  assert.equal(fmt.money(999.6), '1.00 k');
  assert.equal(fmt.money(99960), '100 k');
  assert.equal(fmt.money(undefined), '–');
  assert.equal(fmt.pct(0.1234, { decimals: 1 }), '12.3%');
  assert.equal(fmt.pct(0.008), '0.8%');
  assert.equal(fmt.pct(0.124), '12%');
  assert.equal(fmt.pct(13.5), '1,350%');
  assert.equal(fmt.pct(0.042, { decimals: 1, sign: true }), '+4.2%');
  assert.equal(fmt.pct(-0.042, { decimals: 2, sign: true }), '-4.20%');
  assert.equal(fmt.pct(0.00001, { decimals: 1, sign: true }), '0.0%');
  assert.equal(fmt.pct(Infinity), '–');
  assert.equal(fmt.unit(14155.4, 'km'), '14,155 km');
  assert.equal(fmt.unit(123.45, 'h', 1), '123.5 h');
  assert.equal(fmt.km(155.704), '155.7 km');
  assert.equal(fmt.hours(12.34), '12.3 h');
  assert.equal(fmt.duration(0), '0 min');
  assert.equal(fmt.duration(44.6), '45 min');
  assert.equal(fmt.duration(59.6), '1 h 00 min');
  assert.equal(fmt.duration(425), '7 h 05 min');
  assert.equal(fmt.duration(6000), '100 h');
  assert.equal(fmt.duration(74040), '1,234 h');
  assert.equal(fmt.duration(-90), '-1 h 30 min');
  assert.equal(fmt.measure('accounts', 4000), '4,000');
  assert.equal(fmt.measure('workload', 10.25), '10.25');
  assert.equal(fmt.measure('Annual_Revenue', 1273440000), '1.27 B');
  assert.equal(fmt.isMoney('potential'), true);
  assert.equal(fmt.isMoney('accounts'), false);
});

test('number: separators every three digits, toFixed\'s digits, no exponent (random)', () => {
  const r = rng(7);
  for (let i = 0; i < 20000; i++) {
    const v = anyValue(r), d = Math.floor(r() * 4);
    const got = fmt.number(v, d);
    assert.doesNotMatch(got, /e/i);
    let want = v.toFixed(d);
    if (/^-[0.]*$/.test(want)) want = want.slice(1);
    assert.equal(ungroup(got), want, `number(${v}, ${d})`);
  }
  assert.equal(fmt.number(1e22), '10,000,000,000,000,000,000,000');
});

test('money: three significant digits, the suffix of its scale, reads back within half a digit (random)', () => {
  const r = rng(11);
  const SCALE = { '': 1, k: 1e3, M: 1e6, B: 1e9 };
  for (let i = 0; i < 20000; i++) {
    const v = anyValue(r);
    const got = fmt.money(v);
    const m = /^(-?[\d,]+(?:\.\d+)?)(?: ([kMB]))?$/.exec(got);
    assert.ok(m, `money(${v}) = ${got}`);
    const x = Number(ungroup(m[1])), div = SCALE[m[2] || ''];
    const a = Math.abs(v);
    // the largest scale the value reaches once rounded to three digits
    const wantDiv = a >= 0.9995e9 ? 1e9 : a >= 0.9995e6 ? 1e6 : a >= 999.5 ? 1e3 : 1;
    assert.equal(div, wantDiv, `scale of ${v}: ${got}`);
    const decimals = (m[1].split('.')[1] || '').length;
    if (div === 1) {
      assert.equal(decimals, 0, got);
      assert.ok(Math.abs(x - v) <= 0.5 + 1e-9, `${got} for ${v}`);
    } else {
      const intDigits = String(Math.trunc(Math.abs(x))).length;
      if (Math.abs(x) < 1000) assert.equal(intDigits + decimals, 3, `three significant digits: ${got}`);
      assert.ok(Math.abs(x * div - v) <= 0.5 * 10 ** -decimals * div * (1 + 1e-9), `${got} for ${v}`);
    }
  }
});

test('pct: the decimals asked for (or people\'s default), the sign, within half a digit (random)', () => {
  const r = rng(13);
  for (let i = 0; i < 20000; i++) {
    const share = (r() - 0.4) * 10 ** Math.floor(r() * 5 - 2);
    const dec = Math.floor(r() * 5) - 1, sign = r() < 0.5;
    const got = fmt.pct(share, { decimals: dec, sign });
    assert.match(got, /%$/);
    const plain = ungroup(got.slice(0, -1));
    const p = share * 100, back = Number(plain);
    const wantDec = dec >= 0 ? dec : Math.abs(p) < 10 ? 1 : 0;
    assert.equal((plain.split('.')[1] || '').length, wantDec, got);
    assert.ok(Math.abs(back - p) <= 0.5 * 10 ** -wantDec * (1 + 1e-9), `${got} for ${p}`);
    assert.equal(plain.startsWith('+'), sign && back > 0, got);
  }
});

test('duration: parses back to the minutes, to the minute under 100 h and the hour above (random)', () => {
  const r = rng(17);
  for (let i = 0; i < 20000; i++) {
    const min = r() * 10 ** Math.floor(r() * 7);
    const got = fmt.duration(min);
    let m;
    if ((m = /^(\d+) min$/.exec(got))) {
      assert.ok(+m[1] < 60 && Math.abs(+m[1] - min) <= 0.5 + 1e-9, `${got} for ${min}`);
    } else if ((m = /^(\d+) h (\d\d) min$/.exec(got))) {
      assert.ok(+m[1] >= 1 && +m[1] < 100 && +m[2] < 60, got);
      assert.ok(Math.abs(60 * m[1] + +m[2] - min) <= 0.5 + 1e-9, `${got} for ${min}`);
    } else {
      m = /^([\d,]+) h$/.exec(got);
      assert.ok(m, got);
      const h = Number(ungroup(m[1]));
      assert.ok(h >= 100 && Math.abs(60 * h - min) <= 30 + 1e-9, `${got} for ${min}`);
    }
  }
});

test('measure: money for a money measure, else a count or two decimals (random)', () => {
  const r = rng(19);
  for (let i = 0; i < 5000; i++) {
    const v = anyValue(r);
    assert.equal(fmt.measure('revenue', v), fmt.money(v));
    assert.equal(fmt.measure('accounts', v), fmt.number(v, Number.isInteger(v) ? 0 : 2));
  }
});

await run();
