import { innerHitRate, memoScore, type SelectionContext, type SelectionMethod } from '../method';

/** A blend: members' scores, each divided by its own maximum, weighted. */
export interface Blend {
  parts: { method: SelectionMethod; weight: number }[];
}

export const BLEND_WEIGHTS = [0.25, 0.5, 0.75] as const;

/** Every member alone, and every pair at weights ¼/¾, ½/½ and ¾/¼. */
export function candidateBlends(members: SelectionMethod[]): Blend[] {
  const out: Blend[] = members.map((m) => ({ parts: [{ method: m, weight: 1 }] }));
  for (let a = 0; a < members.length; a++)
    for (let b = a + 1; b < members.length; b++) {
      for (const w of BLEND_WEIGHTS)
        out.push({
          parts: [
            { method: members[a]!, weight: w },
            { method: members[b]!, weight: 1 - w },
          ],
        });
    }
  return out;
}

export function blendLabel(b: Blend): string {
  return b.parts.map((p) => (p.weight === 1 ? p.method.key : `${p.weight}×${p.method.key}`)).join(' + ');
}

/** The blend's scores at the context's origin: Σ weight · score / max(score). */
export function blendScores(ctx: SelectionContext, b: Blend): Float64Array {
  const n = ctx.history.data.cells.length;
  const out = new Float64Array(n);
  for (const p of b.parts) {
    const s = memoScore(ctx, p.method);
    let max = 0;
    for (let i = 0; i < n; i++) if (s[i]! > max) max = s[i]!;
    if (max <= 0) continue;
    const k = p.weight / max;
    for (let i = 0; i < n; i++) out[i]! += k * s[i]!;
  }
  return out;
}

/** The blend with the best mean next-month hit rate over earlier origins (ties: the earlier, simpler candidate). */
export function chooseBlend(ctx: SelectionContext, members: SelectionMethod[]): Blend {
  const key = `blend:${members.map((m) => m.key).join(',')}:w${ctx.window}:t${ctx.history.origin}:tb${ctx.tuneBudgetShare}`;
  const cached = ctx.memo.get(key) as Blend | undefined;
  if (cached) return cached;
  const candidates = candidateBlends(members);
  let best = candidates[0]!,
    bestHit = -1;
  for (const b of candidates) {
    const hit = innerHitRate(ctx, `blend[${blendLabel(b)}]`, (inner) => blendScores(inner, b));
    if (hit !== null && hit > bestHit + 1e-12) {
      best = b;
      bestHit = hit;
    }
  }
  ctx.memo.set(key, best);
  return best;
}

/**
 * A combination chosen by cross-validation on earlier months. Rule: the candidates are each member
 * method alone and every pair blended at ¼/¾, ½/½ or ¾/¼ (scores divided by their maximum, so the
 * weights compare like with like); at each origin the candidate with the best mean next-month hit
 * rate at the tuning budget over the up to 12 earlier origins — each scored on its own history —
 * is used. Rolling-origin cross-validation (Tashman 2000, "Out-of-sample tests of forecasting
 * accuracy", IJF 16). Parameters: members; weights; tuning budget; 12 earlier origins.
 */
export function combination(members: SelectionMethod[]): SelectionMethod {
  return {
    key: 'combination',
    name: 'Combination (cross-validated)',
    reads: [...new Set(members.flatMap((m) => m.reads ?? []))],
    description: `The best of ${members.map((m) => m.key).join(', ')} alone or blended in pairs (¼/¾, ½/½, ¾/¼ of max-scaled scores), chosen at each origin by next-month capture at the tuning budget over the 12 earlier origins.`,
    score: (ctx) => blendScores(ctx, chooseBlend(ctx, members)),
    chosen: (ctx) => blendLabel(chooseBlend(ctx, members)),
  };
}
