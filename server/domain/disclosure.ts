import { createHmac } from 'node:crypto';

/**
 * Disclosure control: what a partner is shown of restricted sources (force extracts, partner events).
 *
 * Rule. The figures are built from fixed protected units: one unit is an H3 cell at the protection
 * resolution (default 9, ≈0.1 km²) in one calendar month. A unit's true count n is published as its
 * protected value p(n): 0 when n = 0; otherwise n randomly rounded to a multiple of the base (default
 * 5) — up with probability (n mod base)/base, down otherwise, so E[p(n)] = n and totals stay unbiased.
 * The draw is not random at query time: it is an HMAC-SHA256 of a server secret with the unit's cell,
 * month, the sources asked for (sorted) and n, so the same question always gets the same answer and a
 * repeated query cannot be averaged. Every figure of a protected answer — a cell at resolution ≤ 9, an
 * area, a drawn outline, a ward, a period, a total, harm — is the sum of its units' protected values.
 * Any difference of two answers (total minus parts, overlapping outlines, adjacent periods, a coarse
 * cell minus its children) is then itself a sum of protected values: a multiple of the base, never a
 * count of 1–4. A unit's harm is its protected count times its mean harm per incident rounded to two
 * significant figures, so harm ÷ weight gives back no more than the protected count.
 *
 * Display follows UK official statistics' small-count practice: a figure whose true count is 1 to
 * threshold − 1, or whose protected value is below the base while incidents exist, is shown as "<5"
 * (its number withheld); 0 is shown as 0.
 *
 * Reference: ONS, "Statistical disclosure control" policy (small counts suppressed below a
 * threshold) and the ONS Census 2021 "cell key" perturbation, where a key fixed per record and
 * cell makes a table's perturbation the same every time it is asked for (consistency); random
 * rounding to base 5 is the Census-era rounding rule of many ONS and NHS Digital releases.
 * Residual limit: differencing can reveal a unit's protected value (0 or 5, say), never its count.
 *
 * @example
 * const rules = { threshold: 5, base: 5, resolution: 9 };
 * protectedCount(0, 'x', rules)  // 0
 * protectedCount(5, 'x', rules)  // 5 (a multiple of the base is left as it is)
 * protectedCount(7, 'x', rules)  // 5 or 10 (10 with probability 2/5, decided by the key)
 * shownCount(5, 3, rules)        // { value: null, shown: '<5' }
 */
export interface DisclosureRules {
  /** Counts 1 to threshold − 1 are shown as "<threshold". */
  threshold: number;
  /** Protected values are multiples of the base. */
  base: number;
  /** H3 resolution of the protected units (finer resolutions are refused). */
  resolution: number;
  /** Smallest area, km², a partner may draw and ask about. */
  minAreaKm2: number;
}

export const DEFAULT_DISCLOSURE_RULES: DisclosureRules = { threshold: 5, base: 5, resolution: 9, minAreaKm2: 0.5 };

/** The unit's key for the deterministic draw: cell, month, sorted sources and the true count. */
export function unitKey(cell: string, month: string, sources: readonly string[], n: number): string {
  return `${cell}|${month}|${[...sources].sort().join(',')}|${n}`;
}

/** A number in [0, 1) fixed by the secret and the key (HMAC-SHA256, first 48 bits). */
export function keyedUniform(secret: string, key: string): number {
  const digest = createHmac('sha256', secret).update(key).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The protected value of a true count: unbiased random rounding to a multiple of the base, the draw
 * `u` in [0, 1) given (keyedUniform of the unit). Rounds up when u < (n mod base)/base.
 */
export function roundedCount(n: number, u: number, base: number): number {
  if (n <= 0) return 0;
  const down = Math.floor(n / base) * base;
  const rest = n - down;
  return rest > 0 && u < rest / base ? down + base : down;
}

/** The protected value of a unit's true count n (keyed as in unitKey). */
export function protectedCount(n: number, key: string, rules: Pick<DisclosureRules, 'base'>, secret = ''): number {
  return roundedCount(n, keyedUniform(secret, key), rules.base);
}

/** A number rounded to two significant figures (0 stays 0). */
export function twoSignificant(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return 0;
  return Number(x.toPrecision(2));
}

/** The protected harm of a unit: protected count × its mean harm per incident to two significant figures. */
export function protectedHarm(trueCount: number, trueHarm: number, protectedN: number): number {
  return trueCount > 0 ? protectedN * twoSignificant(trueHarm / trueCount) : 0;
}

/**
 * How a protected figure is shown: the number when it may be shown, else null with "<threshold".
 * `protectedValue` is the sum of the figure's units' protected values, `trueCount` the true count.
 */
export function shownCount(
  protectedValue: number,
  trueCount: number,
  rules: Pick<DisclosureRules, 'threshold' | 'base'>,
): { value: number | null; shown: string } {
  if (trueCount <= 0) return { value: 0, shown: '0' };
  if (trueCount < rules.threshold || protectedValue < rules.base) return { value: null, shown: `<${rules.threshold}` };
  return { value: protectedValue, shown: String(protectedValue) };
}

/** The rules in words, as every protected answer, page and export prints them. */
export function rulesText(rules: DisclosureRules): string {
  return (
    `Disclosure control: these figures draw on restricted sources and are protected for partners. ` +
    `Counts are built from fixed units (H3 resolution ${rules.resolution} cell × month); each unit's count is randomly rounded ` +
    `to a multiple of ${rules.base} (unbiased, and the same every time it is asked for), and every figure is the sum of its units, ` +
    `so no difference of figures reveals a count below ${rules.threshold}. Counts of 1 to ${rules.threshold - 1} are shown as "<${rules.threshold}". ` +
    `Harm is the protected count times the mean harm per incident to two significant figures. ` +
    `No incident rows or addresses from restricted sources are given; drawn areas must be at least ${rules.minAreaKm2} km²; ` +
    `resolutions finer than ${rules.resolution} are not available.`
  );
}

/** The `disclosure` object of a protected JSON answer. */
export interface DisclosureNote {
  rules: string;
  threshold: number;
  base: number;
  resolution: number;
  minAreaKm2: number;
  /** Figures of the answer shown as "<threshold". */
  suppressed: number;
}

export function disclosureNote(rules: DisclosureRules, suppressed: number): DisclosureNote {
  return {
    rules: rulesText(rules),
    threshold: rules.threshold,
    base: rules.base,
    resolution: rules.resolution,
    minAreaKm2: rules.minAreaKm2,
    suppressed,
  };
}

/** One unit: a cell at the protection resolution in one month, with its true count and harm. */
export interface UnitTotal {
  cell: string;
  month: string;
  incidents: number;
  harm: number;
}

/**
 * The protected units of a cut: each unit's protected count and harm (units with a protected count
 * of 0 are kept, with harm 0, so the caller still knows incidents exist there).
 */
export function protectUnits(units: readonly UnitTotal[], sources: readonly string[], rules: Pick<DisclosureRules, 'base'>, secret: string): UnitTotal[] {
  return units.map((u) => {
    const n = protectedCount(u.incidents, unitKey(u.cell, u.month, sources, u.incidents), rules, secret);
    return { cell: u.cell, month: u.month, incidents: n, harm: protectedHarm(u.incidents, u.harm, n) };
  });
}

/**
 * Whole-source record counts (records, positions by precision, timed, weapon-flagged) of a restricted
 * source as a partner sees them: each count protected as a unit of its own (random rounding to the
 * base, keyed by the source, the field and the count) and shown by the display rule, so that records
 * minus the counts by precision cannot give back a small count either.
 * @example protectedSourceCounts('force-extract', { records: 812, text: 3 }, rules, secret) // { records: 810, text: null, shown: { records: '810', text: '<5' } }
 */
export function protectedSourceCounts<K extends string>(
  source: string,
  counts: Record<K, number>,
  rules: Pick<DisclosureRules, 'threshold' | 'base'>,
  secret: string,
): Record<K, number | null> & { shown: Record<K, string> } {
  const out = { shown: {} } as Record<K, number | null> & { shown: Record<K, string> };
  for (const field of Object.keys(counts) as K[]) {
    const n = counts[field];
    const shown = shownCount(protectedCount(n, `source|${source}|${field}|${n}`, rules, secret), n, rules);
    (out as Record<K, number | null>)[field] = shown.value;
    out.shown[field] = shown.shown;
  }
  return out;
}
