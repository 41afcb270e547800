import type { BacktestAnswer } from '../routes/backtest';
import { escapeHtml, html, Markup, num, printablePage } from './html';

type Backtest = BacktestAnswer;
type Row = Backtest['rows'][number];
type Interval = Row['hitRate'];

// Colour-blind-safe qualitative palette (Okabe & Ito 2008), with a marker shape per method so colour is never alone.
const COLOURS = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999', '#7a4f9a'];
const MARKERS = ['circle', 'square', 'diamond', 'triangle'] as const;

function marker(kind: (typeof MARKERS)[number], x: number, y: number, colour: string, title = ''): string {
  const t = title ? `<title>${escapeHtml(title)}</title>` : '';
  const style = `fill="${colour}" stroke="#000" stroke-width="0.6"`;
  if (kind === 'circle') return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" ${style}>${t}</circle>`;
  if (kind === 'square') return `<rect x="${(x - 3.2).toFixed(1)}" y="${(y - 3.2).toFixed(1)}" width="6.4" height="6.4" ${style}>${t}</rect>`;
  if (kind === 'diamond') return `<path d="M${x.toFixed(1)},${(y - 4.2).toFixed(1)}l4.2,4.2l-4.2,4.2l-4.2,-4.2z" ${style}>${t}</path>`;
  return `<path d="M${x.toFixed(1)},${(y - 4.2).toFixed(1)}l4.2,7.4h-8.4z" ${style}>${t}</path>`;
}

/** Capture (mean hit rate, with its interval) against area budget, one line per method, as inline SVG. */
export function captureSvg(rows: Row[], methods: { key: string; name: string }[], title: string): Markup {
  const w = 760,
    h = 340,
    left = 52,
    right = 230,
    top = 14,
    bottom = 40;
  const budgets = [...new Set(rows.map((r) => r.budgetShare))].sort((a, b) => a - b);
  const hi = Math.max(0.01, ...rows.map((r) => r.hitRate.upper)) * 1.08;
  // Budgets on a log axis: 0.25 %, 0.5 % and 1 % are equally spaced doublings.
  const lx = (b: number) => Math.log(b);
  const x0 = lx(budgets[0]!),
    x1 = lx(budgets[budgets.length - 1]!);
  const x = (b: number) => left + (x1 > x0 ? (lx(b) - x0) / (x1 - x0) : 0.5) * (w - left - right);
  const y = (v: number) => top + (h - top - bottom) * (1 - v / hi);
  const parts: string[] = [];
  for (let k = 0; k <= 5; k++) {
    const v = (hi * k) / 5;
    parts.push(
      `<line x1="${left}" x2="${w - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${num(v * 100, 0)} %</text>`,
    );
  }
  for (const b of budgets) parts.push(`<text x="${x(b).toFixed(1)}" y="${h - bottom + 16}" text-anchor="middle">${num(b * 100, 2)} %</text>`);
  parts.push(`<text x="${(left + (w - right)) / 2}" y="${h - 6}" text-anchor="middle">area budget (share of the study area)</text>`);
  parts.push(
    `<text x="12" y="${top + (h - top - bottom) / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + (h - top - bottom) / 2})">next-month incidents captured</text>`,
  );
  methods.forEach((m, k) => {
    const colour = COLOURS[k % COLOURS.length]!,
      shape = MARKERS[k % MARKERS.length]!;
    const pts = budgets.map((b) => rows.find((r) => r.method === m.key && r.budgetShare === b)).filter((r): r is Row => Boolean(r));
    if (!pts.length) return;
    parts.push(
      `<path d="${pts.map((r, i) => `${i ? 'L' : 'M'}${x(r.budgetShare).toFixed(1)},${y(r.hitRate.mean).toFixed(1)}`).join('')}" fill="none" stroke="${colour}" stroke-width="1.6"/>`,
    );
    for (const r of pts) {
      parts.push(
        `<line x1="${x(r.budgetShare).toFixed(1)}" x2="${x(r.budgetShare).toFixed(1)}" y1="${y(r.hitRate.lower).toFixed(1)}" y2="${y(r.hitRate.upper).toFixed(1)}" stroke="${colour}" stroke-width="1"/>`,
      );
      parts.push(
        marker(shape, x(r.budgetShare), y(r.hitRate.mean), colour, `${m.name}: ${num(r.hitRate.mean * 100, 1)} % at ${num(r.budgetShare * 100, 2)} %`),
      );
    }
    const ly = top + 8 + k * 18;
    parts.push(`${marker(shape, w - right + 20, ly, colour)}<text x="${w - right + 30}" y="${ly + 4}">${escapeHtml(m.name)}</text>`);
  });
  return html`<svg role="img" aria-label="${title}" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px"><title>${title}</title>${new Markup(parts.join(''))}</svg>`;
}

const iv = (x: Interval | null, f: (v: number) => string) => (x ? `${f(x.mean)} (${f(x.lower)}–${f(x.upper)})` : '–');
const pc = (v: number) => num(v * 100, 1);

/** The printable backtest: what was compared, the plot, and the methods × budgets table per horizon. */
export function backtestHtml(b: Backtest): string {
  const name = new Map(b.methods.map((m) => [m.key, m.name]));
  const window = b.options.windows[0];
  const tables = b.options.horizons.map((horizon) => {
    const rows = b.rows.filter((r) => r.horizon === horizon);
    if (!rows.length) return html``;
    return html`<section class="keep"><h2>Next ${horizon === 1 ? 'month' : `${horizon} months`}</h2>
<p class="meta">${rows[0]!.origins} origins, ${rows[0]!.firstOrigin} to ${rows[0]!.lastOrigin}; selections on the ${window} months before each origin.</p>
<table><thead><tr><th>Method</th><th>Budget</th><th>Hit rate</th><th>Harm captured</th><th>PAI</th><th>RRI</th><th>Stability</th><th>Hit rate ÷ last 3 months</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${name.get(r.method) ?? r.method}</td><td class="n">${num(r.budgetShare * 100, 2)} %</td><td class="n">${iv(r.hitRate, pc)} %</td><td class="n">${iv(r.harmCaptured, pc)} %</td><td class="n">${iv(r.pai, (v) => num(v, 1))}</td><td class="n">${iv(r.rri, (v) => num(v, 2))}</td><td class="n">${iv(r.stability, pc)}${r.stability ? ' %' : ''}</td><td class="n">${iv(r.hitRateVsBaseline, (v) => num(v, 2))}</td></tr>`)}
</tbody></table></section>`;
  });
  const next = b.rows.filter((r) => r.horizon === Math.min(...b.options.horizons));
  return printablePage(
    'Hotspot methods backtest',
    html`
<h1>Which hotspot method holds next month's violence?</h1>
<p class="meta">${b.query.definition.name}${b.query.definition.isProxy ? ' (public-data proxy)' : ''}, harm by ${b.query.scheme.name}; H3 resolution ${b.query.resolution}; ${b.months.count} months loaded, ${b.months.first} to ${b.months.last}; study area ${num(b.studyArea.cells)} cells, ${num(b.studyArea.areaKm2, 1)} km² (${b.studyArea.basis}).</p>
<p class="rule">At every origin month each method picks cells from the ${window} months before it — never reading the origin month or later — and is scored on the months that follow: the hit rate is the share of their incidents inside the picked cells, the PAI that share over the share of area, the RRI how well the picked cells kept their incidents, stability the share of picked cells still picked at the next origin. ${b.bootstrap}. Tuned methods choose their parameters at ${num(b.options.tuneBudgetShare * 100, 2)} % of the area on earlier months only.</p>
<figure class="keep">${captureSvg(next, b.methods, 'Next-month capture against area budget, per method')}<figcaption class="note">Mean next-month hit rate at each budget; the vertical lines are the 95 % intervals.</figcaption></figure>
${tables}
<h2>Methods</h2>
<table><thead><tr><th>Method</th><th>Rule, source and parameters</th></tr></thead><tbody>${b.methods.map((m) => html`<tr><td>${m.name}</td><td>${m.description}</td></tr>`)}</tbody></table>`,
  );
}
