import { EMERGING_COLOURS, GI_BIN_COLOURS, GI_BIN_LABELS, sequential } from './colours';
import type { LegendModel } from './Legend';
import { legendHeading, type Overlays } from './Legend';
import { PHASE_COLOURS, PHASE_LABELS, SITE_COLOUR, type Phase } from './layers';

export const ATTRIBUTION =
  '© OpenStreetMap contributors (ODbL) · Boundaries: ONS, contains OS data © Crown copyright (OGL v3) · Crime data: data.police.uk (OGL v3) · Deprivation: English Indices of Deprivation 2019 (MHCLG, OGL v3)';

interface Row {
  kind: 'text' | 'bold' | 'muted' | 'ramp' | 'swatch' | 'line';
  text?: string;
  colour?: string;
  ramp?: string[];
  labels?: string[];
  dash?: number[];
}

/** The legend as rows the canvas can draw: the same content as the on-screen legend. */
function legendRows(model: LegendModel | null, overlays: Overlays): Row[] {
  const rows: Row[] = [];
  if (model) {
    rows.push({ kind: 'bold', text: legendHeading(model) });
    rows.push({ kind: 'text', text: `${model.title}, ${model.from === model.to ? model.from : `${model.from} to ${model.to}`}` });
    if (model.kind === 'sequential') {
      const colour = sequential(model.max);
      const f = (v: number) => Math.round(v).toLocaleString('en-GB');
      rows.push({
        kind: 'ramp',
        ramp: Array.from({ length: 11 }, (_, i) => colour(model.max * (i / 10) ** 2)),
        labels: ['0', f(model.max * 0.25), f(model.max)],
      });
      if (model.schemeName) rows.push({ kind: 'muted', text: `Harm scheme: ${model.schemeName}` });
    } else if (model.kind === 'gistar') {
      for (const [bin, label] of GI_BIN_LABELS) rows.push({ kind: 'swatch', colour: GI_BIN_COLOURS[bin]!, text: label });
    } else {
      for (const [k] of Object.entries(model.counts)
        .filter(([c]) => EMERGING_COLOURS[c])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8))
        rows.push({ kind: 'swatch', colour: EMERGING_COLOURS[k]!, text: k });
    }
    if (model.note) rows.push({ kind: 'muted', text: model.note });
  }
  rows.push({ kind: 'line', colour: '#111111', text: 'High Crime High Harm areas (numbered by harm rank)' });
  if (overlays.deprivation?.missing) rows.push({ kind: 'muted', text: `Ward deprivation: ${overlays.deprivation.missing}` });
  else if (overlays.deprivation) {
    rows.push({ kind: 'bold', text: `Wards: ${overlays.deprivation.unit}` });
    for (const c of overlays.deprivation.classes) rows.push({ kind: 'swatch', colour: c.colour, text: c.label });
    rows.push({ kind: 'muted', text: overlays.deprivation.source });
  }
  if (overlays.zones)
    for (const p of Object.keys(PHASE_COLOURS) as Phase[])
      rows.push({
        kind: 'line',
        colour: PHASE_COLOURS[p],
        text: `Zone: ${PHASE_LABELS[p]}`,
        dash: p === 'planned' ? [3, 4] : p === 'clear' ? [10, 4] : p === 'hold' ? [6, 3, 2, 3] : [],
      });
  if (overlays.sites) rows.push({ kind: 'swatch', colour: SITE_COLOUR, text: 'Site' });
  if (overlays.repeat) rows.push({ kind: 'line', colour: '#1a1a1a', text: 'Repeat location (circle size: incidents)' });
  return rows;
}

/** Wraps text to a width; the canvas has no line breaking of its own. */
function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > width && line) {
      out.push(line);
      line = word;
    } else line = next;
  }
  if (line) out.push(line);
  return out;
}

/**
 * The map as a PNG: the WebGL canvas, a legend box drawn over its top-left corner (what is shown, unit,
 * definition, period, colour key, overlays) and the attribution in a strip below.
 */
export function mapPng(canvas: HTMLCanvasElement, model: LegendModel | null, overlays: Overlays): string {
  const scale = canvas.width / canvas.clientWidth || 1;
  const out = document.createElement('canvas');
  const strip = Math.round(44 * scale);
  out.width = canvas.width;
  out.height = canvas.height + strip;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  ctx.scale(scale, scale);

  // Legend box: measure first, then draw.
  const rows = legendRows(model, overlays);
  const w = 300,
    pad = 10,
    inner = w - 2 * pad;
  const font = (size: number, bold = false) => `${bold ? '700 ' : ''}${size}px "Noto Sans", sans-serif`;
  type Laid = { row: Row; lines: string[]; h: number };
  const laid: Laid[] = rows.map((row) => {
    ctx.font = font(row.kind === 'muted' ? 11 : 13, row.kind === 'bold');
    const lines = row.kind === 'ramp' ? [] : wrap(ctx, row.text ?? '', row.kind === 'swatch' || row.kind === 'line' ? inner - 26 : inner);
    const lh = row.kind === 'muted' ? 14 : 17;
    return { row, lines, h: row.kind === 'ramp' ? 34 : Math.max(lh, lines.length * lh) + 2 };
  });
  const h = laid.reduce((s, l) => s + l.h, 0) + 2 * pad;
  const x0 = 10,
    y0 = 10;
  ctx.fillStyle = 'rgba(255,255,255,0.95)';
  ctx.strokeStyle = '#8a8a8a';
  ctx.lineWidth = 1;
  ctx.fillRect(x0, y0, w, h);
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, w - 1, h - 1);
  let y = y0 + pad;
  for (const { row, lines, h: rh } of laid) {
    const x = x0 + pad;
    ctx.textBaseline = 'top';
    if (row.kind === 'ramp') {
      const g = ctx.createLinearGradient(x, 0, x + inner, 0);
      row.ramp!.forEach((c, i) => g.addColorStop(i / (row.ramp!.length - 1), c));
      ctx.fillStyle = g;
      ctx.fillRect(x, y + 2, inner, 14);
      ctx.strokeStyle = '#767676';
      ctx.strokeRect(x + 0.5, y + 2.5, inner - 1, 13);
      ctx.fillStyle = '#1a1a1a';
      ctx.font = font(11);
      const [a, b, c] = row.labels!;
      ctx.textAlign = 'left';
      ctx.fillText(a!, x, y + 19);
      ctx.textAlign = 'center';
      ctx.fillText(b!, x + inner * 0.5, y + 19);
      ctx.textAlign = 'right';
      ctx.fillText(c!, x + inner, y + 19);
      ctx.textAlign = 'left';
    } else {
      let tx = x;
      if (row.kind === 'swatch') {
        ctx.fillStyle = row.colour!;
        ctx.fillRect(x, y + 2, 16, 12);
        ctx.strokeStyle = '#767676';
        ctx.strokeRect(x + 0.5, y + 2.5, 15, 11);
        tx = x + 24;
      } else if (row.kind === 'line') {
        ctx.strokeStyle = row.colour!;
        ctx.lineWidth = 3;
        ctx.setLineDash(row.dash ?? []);
        ctx.beginPath();
        ctx.moveTo(x, y + 8);
        ctx.lineTo(x + 18, y + 8);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineWidth = 1;
        tx = x + 24;
      }
      ctx.fillStyle = row.kind === 'muted' ? '#4a4a4a' : '#1a1a1a';
      ctx.font = font(row.kind === 'muted' ? 11 : 13, row.kind === 'bold');
      const lh = row.kind === 'muted' ? 14 : 17;
      lines.forEach((l, i) => ctx.fillText(l, tx, y + i * lh));
    }
    y += rh;
  }

  // Attribution strip.
  const cssH = canvas.height / scale;
  ctx.fillStyle = '#1a1a1a';
  ctx.font = font(12);
  ctx.textBaseline = 'top';
  const attribution = wrap(ctx, `harmgrid · ${ATTRIBUTION}`, canvas.width / scale - 24);
  attribution.slice(0, 2).forEach((l, i) => ctx.fillText(l, 12, cssH + 6 + i * 16));
  return out.toDataURL('image/png');
}
