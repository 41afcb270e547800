import { hchhAreas } from '../../hchh';
import type { SelectionContext, SelectionMethod } from '../method';

/**
 * High Crime High Harm at the budget. Rule: harmgrid's HCHH rule (domain/hchh.ts, unchanged) on the
 * window's totals with both percentages set to the area budget — a cell is selected when it is in
 * the top b % of study-area cells by count AND in the top b % by harm — then the selected cells are
 * ranked by harm and cut at the budget. With b = 1 this is the published Merseyside rule (top 1 % by
 * count and by harm; Merseyside Serious Violence Duty Strategy). Parameters: window; b = the budget.
 */
export const hchhMethod: SelectionMethod = {
  key: 'hchh',
  name: 'High Crime High Harm',
  description:
    'Cells in the top b % by count and the top b % by harm over the window (b = the area budget; the published rule is b = 1), ranked by harm. Calls the HCHH rule unchanged.',
  budgetDependent: true,
  score: (ctx: SelectionContext) => {
    const counts = ctx.history.sum('incidents', ctx.window);
    const harm = ctx.history.sum('harm', ctx.window);
    const cells = ctx.history.data.cells;
    const percent = ctx.budgetShare * 100;
    const result = hchhAreas(
      cells.map((cell, i) => ({ cell, incidents: counts[i]!, harm: harm[i]! })),
      { crimeTopPercent: percent, harmTopPercent: percent },
    );
    const index = new Map(cells.map((c, i) => [c, i]));
    const out = new Float64Array(cells.length);
    for (const a of result.areas)
      for (const c of a.cells) {
        const i = index.get(c)!;
        out[i] = harm[i]!;
      }
    return out;
  },
};
