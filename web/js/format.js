// Numbers for people, the app's one formatting module: thousands separators,
// money in k / M / B with three significant digits, a unit on every value
// (km, h, min, %), never scientific notation. The same rules as the
// library's regio/format.h, so the app and the CLI's reports read alike.
// Every function gives '–' for a missing or non-finite value.

const missing = v => v === null || v === undefined || typeof v !== 'number' || !Number.isFinite(v);
const DASH = '–';

/** The plain digits of |v| with `decimals` decimals (toFixed never uses an
 *  exponent below 1e21; above, the digits of BigInt). */
function fixed(a, decimals) {
  if (a < 1e21) return a.toFixed(decimals);
  return BigInt(Math.round(a)).toString() + (decimals ? '.' + '0'.repeat(decimals) : '');
}

/** Groups the whole part of a plain decimal text by thousands. */
function group(raw) {
  const dot = raw.indexOf('.');
  const whole = dot < 0 ? raw : raw.slice(0, dot);
  let out = '';
  for (let i = 0; i < whole.length; i++) {
    if (i > 0 && (whole.length - i) % 3 === 0) out += ',';
    out += whole[i];
  }
  return dot < 0 ? out : out + raw.slice(dot);
}

/** v with thousands separators and `decimals` decimals (0..6):
 *  number(1234567) → "1,234,567", number(12345.66, 1) → "12,345.7"; no "-0". */
export function number(v, decimals = 0) {
  if (missing(v)) return DASH;
  const d = Math.max(0, Math.min(6, decimals | 0));
  const raw = fixed(Math.abs(v), d);
  const zero = /^[0.]*$/.test(raw);
  return (v < 0 && !zero ? '-' : '') + group(raw);
}

/** A count: count(4000) → "4,000". */
export const count = v => number(missing(v) ? v : Math.round(v), 0);

/** Money with three significant digits and a k, M or B suffix, after the
 *  currency code when given: money(1273440) → "1.27 M", money(12345) →
 *  "12.3 k", money(950) → "950", money(1273440, 'USD') → "USD 1.27 M". */
export function money(v, currency) {
  if (missing(v)) return DASH;
  const scale = [[1e9, ' B'], [1e6, ' M'], [1e3, ' k'], [1, '']];
  const a = Math.abs(v);
  let s = 0;
  while (s + 1 < scale.length && a < scale[s][0] * 0.9995) s++;
  const [div, suffix] = scale[s];
  const x = a / div;
  const dec = div === 1 ? 0 : x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
  return (currency ? currency + ' ' : '') + number(v < 0 ? -x : x, dec) + suffix;
}

/** A share as a percentage: pct(0.1234, { decimals: 1 }) → "12.3%";
 *  without decimals one under 10% and none from there ("0.8%", "12%",
 *  "1,350%"); sign: a '+' before a value above zero ("+4.2%"). */
export function pct(share, { decimals, sign = false } = {}) {
  if (missing(share)) return DASH;
  const p = share * 100;
  const d = decimals === undefined || decimals < 0 ? (Math.abs(p) < 10 ? 1 : 0) : decimals;
  const n = number(p, d);
  return (sign && !n.startsWith('-') && !/^[0.,]*$/.test(n) ? '+' : '') + n + '%';
}

/** v with separators and its unit: unit(14155.4, 'km') → "14,155 km",
 *  unit(123.45, 'h', 1) → "123.5 h". */
export function unit(v, u, decimals = 0) {
  if (missing(v)) return DASH;
  return number(v, decimals) + (u ? ' ' + u : '');
}

/** Kilometres with one decimal: km(1234.56) → "1,234.6 km". */
export const km = (v, decimals = 1) => unit(v, 'km', decimals);

/** Hours with one decimal: hours(12.34) → "12.3 h". */
export const hours = (v, decimals = 1) => unit(v, 'h', decimals);

/** A duration given in minutes, rounded to the minute: "45 min" under an
 *  hour, "7 h 05 min" under 100 hours, whole hours from there ("1,234 h"). */
export function duration(minutes) {
  if (missing(minutes)) return DASH;
  const m = Math.round(Math.abs(minutes));
  const neg = minutes < 0 && m > 0 ? '-' : '';
  if (m < 60) return `${neg}${m} min`;
  if (m < 6000) return `${neg}${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
  return `${neg}${number(Math.round(Math.abs(minutes) / 60))} h`;
}

const MONEY = ['revenue', 'potential', 'sales', 'bookings', 'amount', 'quota', 'pipeline'];

/** Whether a measure of this name is an amount of money. */
export const isMoney = name => typeof name === 'string' && MONEY.some(m => name.toLowerCase().includes(m));

/** The value of measure `name` as reports show it: money for a money
 *  measure, else separators with no decimals for a whole value and two
 *  otherwise ("4,000", "10.25"). */
export function measure(name, v) {
  if (missing(v)) return DASH;
  return isMoney(name) ? money(v) : number(v, Number.isInteger(v) ? 0 : 2);
}
