import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { rulesText } from '../../domain/disclosure';
import { PUBLIC_SOURCES } from '../../domain/sources';
import { currentDisclosure, disclosureRulesFromEnv } from '../../services/disclosure';

/**
 * Printable pages: a tagged template that escapes every interpolated value unless it is already
 * markup, and the page shell with its print stylesheet. Pages are self-contained (no remote fonts,
 * scripts or images) so they open and print on a locked-down network.
 */
export class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function piece(v: unknown): string {
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map(piece).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** html`<td>${value}</td>`: values are escaped, nested html`` and arrays of them are kept as markup. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += piece(v) + strings[i + 1]!;
  });
  return new Markup(out);
}

/** A number for a report: thousands separators, a fixed number of decimals, '–' when unknown. */
export function num(v: number | null | undefined, decimals = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-GB', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function pct(v: number | null | undefined, decimals = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${num(Math.abs(v), decimals)} %`;
}

/** A p-value as analysts read it: 3 significant figures, '< 1e-100' at the floor. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined) return '–';
  if (p < 1e-100) return '< 1e-100';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** A RAG status in words and colour (never colour alone). */
export function ragBadge(rag: string | null | undefined): Markup {
  return rag ? html`<span class="rag rag-${rag}">${rag.toUpperCase()}</span>` : html`–`;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, "Noto Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid #333; padding-bottom: 2px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
.meta, .note { color: #444; font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.rag { display: inline-block; min-width: 52px; text-align: center; font-weight: 700; padding: 0 4px; border-radius: 3px; border: 1px solid #333; }
.rag-red { background: #f4c7c3; color: #7a1010; } .rag-amber { background: #fde7b0; color: #5c3d00; } .rag-green { background: #c8e6c9; color: #14501b; }
.rule { border-left: 4px solid #555; padding: 4px 8px; background: #f6f6f6; }
.toolbar { margin: 8px 0 16px; } .toolbar button { font-size: 14px; padding: 6px 14px; }
section { break-inside: auto; } .keep { break-inside: avoid; }
svg text { font: 11px system-ui, "Noto Sans", Arial, sans-serif; }
@media print {
  body { margin: 0; max-width: none; font-size: 11.5px; } .toolbar { display: none; }
  h2 { break-after: avoid; } table, .keep { break-inside: avoid; } .page-break { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 14mm 12mm; }
`;

/**
 * The disclosure paragraph a partner's printed page opens with: printable pages are not built from
 * protected units, so they draw on public sources only for a partner, and say so with the rules.
 */
function disclosureParagraph(): string {
  if (!currentDisclosure()?.controlled) return '';
  return html`<p class="rule disclosure" id="disclosure"><strong>Disclosure control.</strong> You are signed in as a partner: this page shows figures of public sources only (${PUBLIC_SOURCES.join(', ')}); restricted sources (force extracts, partner events) are given as protected figures on the map and its exports. ${rulesText(disclosureRulesFromEnv())}</p>`
    .text;
}

/** A whole printable document, with a print button that opens the browser's print (and PDF) dialog. */
export function printablePage(title: string, body: Markup, opts: { css?: string } = {}): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}${opts.css ?? ''}</style></head>
<body><div class="toolbar"><button type="button" id="print">Print or save as PDF</button></div>
<main>${disclosureParagraph()}${body.text}</main><script>${PRINT_SCRIPT}</script></body></html>`;
}

const PRINT_SCRIPT = "document.getElementById('print').addEventListener('click', function () { window.print(); });";
// The one inline script is allowed by its hash; everything else stays as strict as the rest of the site.
const PRINT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(PRINT_SCRIPT).digest('base64')}'`;

/** Sends a printable page with a content security policy that allows only its own print script. */
export function sendPrintable(res: Response, page: string, fileName?: string): undefined {
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${PRINT_SCRIPT_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'`,
  );
  res.type('text/html; charset=utf-8');
  if (fileName) res.setHeader('Content-Disposition', `inline; filename="${fileName}"`);
  res.send(page);
  return undefined;
}

/**
 * A run chart (XmR) as inline SVG: the monthly values, the mean and the control limits of the
 * baseline, points with a special-cause signal drawn as filled diamonds.
 */
export function runChartSvg(
  chart: { mean: number; lowerLimit: number; upperLimit: number; baselinePoints: number; points: { label: string; value: number; signals: string[] }[] },
  title: string,
): Markup {
  const w = 720,
    h = 170,
    left = 46,
    right = 8,
    top = 10,
    bottom = 26;
  const values = chart.points.map((p) => p.value);
  // The axis spans the limits and the values (not zero), so variation around the mean is visible.
  const lo0 = Math.max(0, Math.min(chart.lowerLimit, ...values));
  const hi0 = Math.max(chart.upperLimit, ...values);
  const lo = lo0 - (hi0 - lo0) * 0.05;
  const hi = hi0 + (hi0 - lo0) * 0.05 || 1;
  const x = (i: number) => left + (i * (w - left - right)) / Math.max(1, chart.points.length - 1);
  const y = (v: number) => top + (h - top - bottom) * (1 - (v - lo) / (hi - lo));
  const line = chart.points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join('');
  const hline = (v: number, cls: string, label: string) =>
    html`<line x1="${left}" x2="${w - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${cls === 'mean' ? '#333' : '#b2182b'}" stroke-dasharray="${cls === 'mean' ? '' : '5 3'}" stroke-width="1"/><text x="${w - right - 2}" y="${(y(v) - 3).toFixed(1)}" text-anchor="end" fill="#333">${label}</text>`;
  const ticks = chart.points.map((p, i) =>
    i % 6 === 0 ? html`<text x="${x(i).toFixed(1)}" y="${h - 8}" text-anchor="middle" fill="#333">${p.label}</text>` : html``,
  );
  const marks = chart.points.map((p, i) =>
    p.signals.length
      ? html`<path d="M${x(i).toFixed(1)},${(y(p.value) - 5).toFixed(1)}l5,5l-5,5l-5,-5z" fill="#b2182b"><title>${p.label}: ${num(p.value, 1)} — ${p.signals.join(', ')}</title></path>`
      : html`<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.2" fill="#2166ac"/>`,
  );
  return html`<svg role="img" aria-label="${title}" viewBox="0 0 ${w} ${h}" width="100%" style="max-width:${w}px">
<title>${title}</title>
<rect x="${left}" y="${top}" width="${(x(chart.baselinePoints - 1) - left).toFixed(1)}" height="${h - top - bottom}" fill="#f0f0f0"/>
<text x="${left + 4}" y="${top + 12}" fill="#555">baseline</text>
${hline(chart.upperLimit, 'limit', `upper limit ${num(chart.upperLimit, 1)}`)}${hline(chart.mean, 'mean', `mean ${num(chart.mean, 1)}`)}${chart.lowerLimit > lo ? hline(chart.lowerLimit, 'limit', `lower limit ${num(chart.lowerLimit, 1)}`) : ''}
<path d="${line}" fill="none" stroke="#2166ac" stroke-width="1.5"/>${marks}${ticks}
<text x="4" y="${top + 10}" fill="#333">${num(hi, 0)}</text><text x="4" y="${h - bottom}" fill="#333">${num(lo, 0)}</text>
</svg>`;
}
