import { z } from 'zod';
import { disclosureNote, rulesText, shownCount, type DisclosureNote, type DisclosureRules } from '../domain/disclosure';
import type { Protection } from '../services/analysis';

/** The `disclosure` object of a protected answer (absent from unprotected answers). */
export const disclosureSchema = z
  .object({
    rules: z.string().describe('the rules in words'),
    threshold: z.number().describe('counts 1 to threshold − 1 are shown as "<threshold"'),
    base: z.number().describe('protected counts are multiples of the base'),
    resolution: z.number().describe('H3 resolution of the protected cell × month units'),
    minAreaKm2: z.number().describe('smallest area a partner may draw'),
    suppressed: z.number().describe('figures of this answer shown as "<threshold"'),
  })
  .describe('disclosure control of a partner\'s answer over restricted sources (README, "Disclosure control")')
  .meta({ id: 'Disclosure' });

/**
 * Presents the figures of one protected answer: each count as its protected value, or null and
 * "<5" (the number withheld) when its true count is 1–4 or its protected value is below the base
 * while incidents exist; a withheld count's harm is withheld too (harm ÷ weight would give the
 * protected value back). Counts the figures withheld for the answer's `disclosure` object.
 */
export class Presenter {
  suppressed = 0;
  constructor(readonly protection: Protection) {}

  get rules(): DisclosureRules {
    return this.protection.rules;
  }

  count(protectedValue: number, trueCount: number): { value: number | null; shown: string } {
    const s = shownCount(protectedValue, trueCount, this.rules);
    if (s.value === null) this.suppressed++;
    return s;
  }

  /** The harm beside a count: withheld with it. */
  harm(harm: number, shown: { value: number | null }): number | null {
    return shown.value === null ? null : harm;
  }

  note(): DisclosureNote {
    return disclosureNote(this.rules, this.suppressed);
  }
}

/** The rules as a CSV's leading rows (one comment-like row, then a blank one), formula-safe via toCsv. */
export function csvRulesRows(rules: DisclosureRules, suppressed: number): Record<string, unknown>[] {
  return [{ disclosure: `${rulesText(rules)} Figures withheld in this file: ${suppressed}.` }];
}

/**
 * Cells of a protected answer as shown: each cell's protected figures, then the cells whose protected
 * count is 0 although incidents exist there (shown as "<5", after the others, by id), so a partner is
 * not told "no incidents" where there are some.
 */
export function presentCells<T extends { cell: string; incidents: number; harm: number }>(
  p: Presenter,
  cells: T[],
  truth: Map<string, number>,
): (Omit<T, 'incidents' | 'harm'> & { cell: string; incidents: number | null; incidentsShown: string; harm: number | null })[] {
  const seen = new Set(cells.map((c) => c.cell));
  const hidden = [...truth.entries()]
    .filter(([cell, n]) => n > 0 && !seen.has(cell))
    .map(([cell]) => cell)
    .sort();
  const all = [...cells, ...hidden.map((cell) => ({ cell, incidents: 0, harm: 0 }) as T)];
  return all.map((c) => {
    const s = p.count(c.incidents, truth.get(c.cell) ?? 0);
    return { ...c, incidents: s.value, incidentsShown: s.shown, harm: p.harm(c.harm, s) };
  });
}
