// The seeded PRNG of the generated data (the sample market, the demo
// sales): xoshiro128** seeded through splitmix32, so the same seed always
// gives the same numbers on every platform.

export function makeRng(seed32) {
  let x = seed32 >>> 0;
  const splitmix = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [splitmix(), splitmix(), splitmix(), splitmix()];
  const rotl = (v, k) => ((v << k) | (v >>> (32 - k))) >>> 0;
  const next = () => {
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 11);
    s[0] >>>= 0; s[1] >>>= 0; s[2] >>>= 0;
    return r;
  };
  const rng = {
    u32: next,
    // Uniform in [0, 1) with 53 random bits.
    float: () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992,
    int: (n) => Math.floor(rng.float() * n),
    pick: (arr) => arr[rng.int(arr.length)],
    normal: () => {
      let u = rng.float();
      while (u <= 1e-12) u = rng.float();
      const v = rng.float();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    // Index drawn from cumulative weights (ascending, last = total).
    weighted: (cum) => {
      const r = rng.float() * cum[cum.length - 1];
      let lo = 0, hi = cum.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] > r) hi = mid; else lo = mid + 1; }
      return lo;
    },
  };
  return rng;
}
