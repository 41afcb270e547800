import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISCLOSURE_RULES,
  keyedUniform,
  protectUnits,
  protectedCount,
  protectedHarm,
  roundedCount,
  rulesText,
  shownCount,
  twoSignificant,
  unitKey,
} from '../../server/domain/disclosure';

const rules = DEFAULT_DISCLOSURE_RULES;

describe('disclosure control (server/domain/disclosure.ts)', () => {
  it('random rounding to base 5, worked by hand: up with probability (n mod 5)/5', () => {
    expect(roundedCount(0, 0, 5)).toBe(0);
    expect(roundedCount(5, 0, 5)).toBe(5); // a multiple of the base stays
    expect(roundedCount(10, 0.99, 5)).toBe(10);
    expect(roundedCount(7, 0.39, 5)).toBe(10); // 7 mod 5 = 2: up when u < 0.4
    expect(roundedCount(7, 0.41, 5)).toBe(5);
    expect(roundedCount(3, 0.59, 5)).toBe(5); // up when u < 0.6
    expect(roundedCount(3, 0.6, 5)).toBe(0);
    expect(roundedCount(1, 0.19, 5)).toBe(5);
    expect(roundedCount(1, 0.2, 5)).toBe(0);
    expect(roundedCount(4, 0.79, 5)).toBe(5);
  });

  it('the draw is HMAC-SHA256 of the secret and the unit key (reference: openssl dgst -sha256 -hmac)', () => {
    const key = unitKey('89283ffffffffff', '2019-10', ['force-extract', 'data.police.uk'], 3);
    expect(key).toBe('89283ffffffffff|2019-10|data.police.uk,force-extract|3'); // sources sorted
    // printf '%s' KEY | openssl dgst -sha256 -hmac test-secret → c0e86acb9ffe…; first 48 bits / 2^48
    expect(keyedUniform('test-secret', key)).toBeCloseTo(0xc0e86acb9ffe / 2 ** 48, 15);
    expect(keyedUniform('test-secret', key)).toBeCloseTo(0.7535464046, 9);
    // u ≈ 0.754 ≥ 0.6: a true 3 is published as 0 under this secret, every time
    expect(protectedCount(3, key, rules, 'test-secret')).toBe(0);
    expect(protectedCount(3, key, rules, 'test-secret')).toBe(0);
    expect(keyedUniform('another secret', key)).not.toBeCloseTo(keyedUniform('test-secret', key), 6);
  });

  it('unbiased: over 20,000 keys the mean protected value of each n is n (within 4 standard errors)', () => {
    for (let n = 1; n <= 9; n++) {
      let sum = 0;
      const N = 20000;
      for (let i = 0; i < N; i++) sum += protectedCount(n, unitKey(`cell${i}`, '2020-01', ['force-extract'], n), rules, 'unbiased');
      const rest = n % 5,
        p = rest / 5;
      const se = (5 * Math.sqrt(p * (1 - p))) / Math.sqrt(N);
      expect(Math.abs(sum / N - n)).toBeLessThanOrEqual(4 * se + 1e-12);
    }
  });

  it('every protected value, and so every sum and difference of them, is a multiple of the base', () => {
    const units = Array.from({ length: 500 }, (_, i) => ({
      cell: `c${i % 50}`,
      month: `2020-${String((i % 12) + 1).padStart(2, '0')}`,
      incidents: (i * 7) % 13,
      harm: ((i * 7) % 13) * 3.7,
    }));
    const p = protectUnits(units, ['force-extract'], rules, 's');
    for (const u of p) expect(u.incidents % 5).toBe(0);
    const sumOf = (xs: typeof p) => xs.reduce((s, u) => s + u.incidents, 0);
    expect((sumOf(p) - sumOf(p.slice(100, 300))) % 5).toBe(0);
  });

  it('harm: protected count × mean harm per incident to two significant figures', () => {
    expect(twoSignificant(1234)).toBe(1200);
    expect(twoSignificant(0.012345)).toBe(0.012);
    expect(twoSignificant(0)).toBe(0);
    expect(protectedHarm(3, 30.3, 5)).toBe(50); // mean 10.1 → 10
    expect(protectedHarm(7, 7 * 365, 10)).toBe(3700); // mean 365 → 370
    expect(protectedHarm(0, 0, 0)).toBe(0);
  });

  it('display: true 1–4 shown as "<5" whatever the protected value; protected below the base with incidents "<5"; 0 stays 0', () => {
    expect(shownCount(0, 0, rules)).toEqual({ value: 0, shown: '0' });
    expect(shownCount(5, 3, rules)).toEqual({ value: null, shown: '<5' });
    expect(shownCount(0, 3, rules)).toEqual({ value: null, shown: '<5' });
    expect(shownCount(10, 2, rules)).toEqual({ value: null, shown: '<5' }); // two units of 1, both rounded up
    expect(shownCount(0, 6, rules)).toEqual({ value: null, shown: '<5' }); // 3 + 3, both rounded down
    expect(shownCount(5, 7, rules)).toEqual({ value: 5, shown: '5' });
    expect(shownCount(25, 24, rules)).toEqual({ value: 25, shown: '25' });
  });

  it('the rules in words name the threshold, the base, the resolution and the minimum area', () => {
    const t = rulesText(rules);
    expect(t).toContain('"<5"');
    expect(t).toContain('multiple of 5');
    expect(t).toContain('resolution 9');
    expect(t).toContain('0.5 km²');
  });
});
