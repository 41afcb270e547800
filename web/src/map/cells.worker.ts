/// <reference lib="webworker" />
/**
 * Builds the hexagons of Gi*, emerging patterns and single months off the main thread (harm and
 * incidents over a period come as vector tiles from the server instead). The API sends cell ids and
 * values in compact arrays; here they are parsed, coloured, turned into hexagons (h3-js) and written as one GeoJSON text that
 * MapLibre's own worker fetches from a blob: URL, so neither the parsing nor the geometry ever runs
 * on the main thread (50,000 hexagons take a few hundred milliseconds). The worker keeps the last
 * table it drew, to answer the top cells in a view and the statistics of one cell.
 */
import { cellToBoundary } from 'h3-js';
import type { CellsByMonth, Emerging, Gistar } from '../api';
import { EMERGING_COLOURS, GI_BIN_COLOURS, sequential } from '../colours';
import type { BuildRequest, BuildResult, CellStats, TopCell, WorkerRequest } from './cellsProtocol';

/** The drawn table: one row per hexagon on the map. */
interface Table {
  cells: string[];
  incidents: number[];
  harm: number[];
  labels: string[];
  boxes: Float64Array;
}
let table: Table = { cells: [], incidents: [], harm: [], labels: [], boxes: new Float64Array(0) };
let stats: { gistar: Gistar | null; emerging: Emerging | null } = { gistar: null, emerging: null };
/** The per-month answer of the last month-by-month view, kept while the slider moves. */
let byMonth: { key: string; data: CellsByMonth } | null = null;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

const decode = (buffer: ArrayBuffer) => JSON.parse(new TextDecoder().decode(buffer)) as unknown;

/** Hexagons as GeoJSON text, and the table kept for later questions; cells with no colour are left out. */
function draw(
  cells: string[],
  fill: (i: number) => string | null,
  incidents: (i: number) => number,
  harm: (i: number) => number,
  label: (i: number) => string,
): { url: string; count: number; bounds: [number, number, number, number] | null } {
  const parts: string[] = [];
  const kept: Table = { cells: [], incidents: [], harm: [], labels: [], boxes: new Float64Array(cells.length * 4) };
  let w = Infinity,
    s = Infinity,
    e = -Infinity,
    n = -Infinity;
  for (let i = 0; i < cells.length; i++) {
    const colour = fill(i);
    if (!colour) continue;
    const ring = cellToBoundary(cells[i]!, true);
    let bw = Infinity,
      bs = Infinity,
      be = -Infinity,
      bn = -Infinity;
    const coords: string[] = [];
    for (const [x, y] of ring) {
      if (x! < bw) bw = x!;
      if (x! > be) be = x!;
      if (y! < bs) bs = y!;
      if (y! > bn) bn = y!;
      coords.push(`[${round6(x!)},${round6(y!)}]`);
    }
    const k = kept.cells.length;
    kept.boxes.set([bw, bs, be, bn], k * 4);
    w = Math.min(w, bw);
    s = Math.min(s, bs);
    e = Math.max(e, be);
    n = Math.max(n, bn);
    kept.cells.push(cells[i]!);
    kept.incidents.push(incidents(i));
    kept.harm.push(harm(i));
    kept.labels.push(label(i));
    parts.push(
      `{"type":"Feature","id":${i},"geometry":{"type":"Polygon","coordinates":[[${coords.join(',')}]]},"properties":${JSON.stringify({ cell: cells[i], fill: colour, incidents: incidents(i), harm: harm(i), label: label(i) })}}`,
    );
  }
  kept.boxes = kept.boxes.slice(0, kept.cells.length * 4);
  table = kept;
  const blob = new Blob([`{"type":"FeatureCollection","features":[${parts.join(',')}]}`], { type: 'application/geo+json' });
  return { url: URL.createObjectURL(blob), count: kept.cells.length, bounds: kept.cells.length ? [w, s, e, n] : null };
}

function build(req: BuildRequest): BuildResult {
  if (req.kind === 'gistar') {
    const g = decode(req.buffer!) as Gistar;
    stats = { ...stats, gistar: g };
    const out = draw(
      g.cells,
      (i) => (g.bin[i] ? GI_BIN_COLOURS[String(g.bin[i])]! : null),
      (i) => g.value[i]!,
      () => 0,
      (i) => `Gi* z ${g.z[i]!.toFixed(2)}`,
    );
    return {
      ...out,
      coverage: g.coverage,
      legend: { kind: 'gistar', from: g.from, to: g.to, studyAreaCells: g.studyArea.cells, studyAreaKm2: g.studyArea.areaKm2 },
    };
  }
  if (req.kind === 'emerging') {
    const e = decode(req.buffer!) as Emerging;
    stats = { ...stats, emerging: e };
    const category = (i: number) => e.category[i] ?? e.shortSeries[i];
    const out = draw(
      e.cells,
      (i) => {
        const c = category(i);
        return c && EMERGING_COLOURS[c] ? EMERGING_COLOURS[c] : null;
      },
      () => 0,
      () => 0,
      (i) => category(i) ?? '',
    );
    return { ...out, coverage: e.coverage, legend: { kind: 'emerging', from: e.from, to: e.to, insufficient: e.insufficient, counts: e.counts } };
  }
  if (req.kind === 'month') {
    if (req.buffer) byMonth = { key: req.key, data: decode(req.buffer) as CellsByMonth };
    if (!byMonth || byMonth.key !== req.key) throw new Error('the month-by-month cells are not loaded');
    const m = byMonth.data;
    const t = Math.max(0, m.months.indexOf(req.month!));
    const values = (k: 'incidents' | 'harm') =>
      m.cells.map((_, i) => {
        if (!req.cumulative) return m[k][t]![i]!;
        let sum = 0;
        for (let u = 0; u <= t; u++) sum += m[k][u]![i]!;
        return sum;
      });
    const inc = values('incidents'),
      harm = values('harm');
    const shown = req.measure === 'incidents' ? inc : harm;
    // The colour domain is fixed over the whole period, so months compare while the slider plays.
    let max = m.max[req.measure];
    if (req.cumulative) {
      max = 0;
      for (let i = 0; i < m.cells.length; i++) {
        let s = 0;
        for (const row of m[req.measure]) s += row[i]!;
        if (s > max) max = s;
      }
    }
    const colour = sequential(max);
    const out = draw(
      m.cells,
      (i) => (shown[i]! > 0 ? colour(shown[i]!) : null),
      (i) => inc[i]!,
      (i) => harm[i]!,
      () => '',
    );
    return {
      ...out,
      coverage: m.coverage,
      legend: { kind: 'sequential', from: req.cumulative ? m.from : req.month!, to: req.month!, max, firstMonth: m.from },
    };
  }
  throw new Error(`unknown cells kind ${String(req.kind)}`);
}

/**
 * The cells drawn in a view with most harm (or incidents), ties broken by incidents then cell id, so
 * the order is the same every time. A cell counts as in view when its hexagon's box meets the view.
 */
function top(bounds: [number, number, number, number], byCount: boolean, limit: number): TopCell[] {
  const [w, s, e, n] = bounds;
  const rows: number[] = [];
  for (let i = 0; i < table.cells.length; i++) {
    if (!(table.incidents[i]! > 0)) continue;
    const b = i * 4;
    if (table.boxes[b + 2]! < w || table.boxes[b]! > e || table.boxes[b + 3]! < s || table.boxes[b + 1]! > n) continue;
    rows.push(i);
  }
  const key = (i: number) => (byCount ? table.incidents[i]! : table.harm[i]!);
  rows.sort((a, b) => key(b) - key(a) || table.incidents[b]! - table.incidents[a]! || (table.cells[a]! < table.cells[b]! ? -1 : 1));
  return rows.slice(0, limit).map((i) => ({ cell: table.cells[i]!, incidents: table.incidents[i]!, harm: table.harm[i]!, label: table.labels[i]! }));
}

function cellStats(cell: string): CellStats {
  const out: CellStats = {};
  const gi = stats.gistar?.cells.indexOf(cell) ?? -1;
  if (gi >= 0) {
    out.giZ = stats.gistar!.z[gi]!;
    out.giBin = stats.gistar!.bin[gi]!;
  }
  const em = stats.emerging?.cells.indexOf(cell) ?? -1;
  if (em >= 0) out.pattern = stats.emerging!.category[em] ?? stats.emerging!.shortSeries[em] ?? undefined;
  return out;
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  try {
    const result =
      req.op === 'build'
        ? build(req)
        : req.op === 'top'
          ? top(req.bounds, req.byCount, req.limit)
          : req.op === 'stats'
            ? cellStats(req.cell)
            : (URL.revokeObjectURL(req.url), null);
    self.postMessage({ id: req.id, ok: true, result });
  } catch (e) {
    self.postMessage({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
};
