import { confidenceBins } from '../../hotspots/confidenceBins';
import { gistar } from '../../hotspots/gistar';
import type { SelectionContext, SelectionMethod } from '../method';

/**
 * Gi* hot spots. Rule: Getis-Ord Gi* of the window's counts over H3 k = 1 neighbours (binary,
 * self included; domain/hotspots/gistar.ts, as spdep::localG), significance with the Benjamini–
 * Hochberg FDR bins (confidenceBins); cells significantly hot at 95 % (Gi_Bin ≥ 2) ranked by z, as
 * `/api/accuracy` ranks them. Getis & Ord 1992; Ord & Getis 1995. Parameters: window; k = 1; 95 %.
 * A window with no variation (every cell equal) has no hot spot: all scores 0.
 */
export const gistarMethod: SelectionMethod = {
  key: 'gistar',
  name: 'Gi* hot spots',
  description: "Cells with a significant hot Gi* (95 %, FDR) of the window's counts, k = 1 H3 neighbours, highest z first.",
  score: (ctx: SelectionContext) => {
    const counts = ctx.history.sum('incidents', ctx.window);
    const out = new Float64Array(counts.length);
    let varies = false;
    for (let i = 1; i < counts.length && !varies; i++) varies = counts[i] !== counts[0];
    if (!varies || counts.length < 3) return out;
    const z = gistar(counts, ctx.history.data.neighbours());
    const { bins } = confidenceBins(z, { fdr: true });
    for (let i = 0; i < z.length; i++) if (bins[i]! >= 2) out[i] = z[i]!;
    return out;
  },
};
