/**
 * A count as shown: a partner's protected answers give null for a count withheld by disclosure
 * control (README, "Disclosure control"), shown as the answer's own text ("<5") or "<5".
 */
export function countText(n: number | null | undefined, shown?: string): string {
  if (n === null || n === undefined) return shown ?? '<5';
  return n.toLocaleString('en-GB');
}
