import type { CountChange } from './countChange';

/**
 * RAG status of an indicator's change, by a rule printed under every table.
 * - significance (default): red for a significant rise, green for a significant fall, amber otherwise;
 * - target: green when the change meets the target (e.g. −10 %) and is a significant fall, red for a
 *   significant rise, amber otherwise.
 * Significance is the exact conditional Poisson test at the table's alpha, so a percentage change on
 * small numbers is not coloured as a trend.
 */
export type RagRule = { rule: 'significance' } | { rule: 'target'; targetPercent: number };
export type Rag = 'red' | 'amber' | 'green';

export function ragStatus(change: CountChange, rule: RagRule): Rag {
  if (change.direction === 'rise') return 'red';
  if (rule.rule === 'significance') return change.direction === 'fall' ? 'green' : 'amber';
  const pct = change.percentChange;
  return change.direction === 'fall' && pct !== null && pct <= rule.targetPercent ? 'green' : 'amber';
}

export function describeRagRule(rule: RagRule, alpha: number): string {
  const sig = `significant at the ${Math.round((1 - alpha) * 100)} % level (exact conditional Poisson test)`;
  if (rule.rule === 'significance') return `Red: a rise ${sig}. Green: a fall ${sig}. Amber: no significant change.`;
  return `Green: a fall ${sig} that meets the target of ${rule.targetPercent} %. Red: a rise ${sig}. Amber: otherwise.`;
}
