/**
 * Writes test/in/gistar-merseyside-r8.json: a real Merseyside grid for the Gi* reference check.
 * Cells: every H3 resolution-8 cell holding at least one data.police.uk incident of any kind in 2019
 * (so empty cells of the grid take part with zero); values: public-proxy serious-violence counts and
 * CCHI category harm in 2019; neighbours: the k=1 ring with binary and with inverse-distance weights,
 * exactly as harmgrid builds them. Derived aggregates only, no rows of the source files.
 *   npx tsx scripts/reference/make-gistar-input.ts   (HARMGRID_DATA_DIR, default ../shared/data)
 */
import fs from 'node:fs';
import path from 'node:path';
import { cellToParent, latLngToCell } from 'h3-js';
import { loadConfig, repoRoot } from '../../server/config';
import { h3Neighbours } from '../../server/domain/hotspots/neighbours';
import { csvRecords } from '../../server/ingest/csv';

const dataDir = loadConfig().dataDir;
const weights: Record<string, number> = {};
for await (const item of csvRecords(path.join(dataDir, 'harm', 'cchi-weights-by-police-uk-category.csv'))) {
  if ('record' in item && item.line > 1) weights[item.record[0]!] = Number(item.record[1]);
}
const proxy = new Set(['Violence and sexual offences', 'Robbery', 'Possession of weapons']);
const counts = new Map<string, number>();
const harm = new Map<string, number>();
for (let m = 1; m <= 12; m++) {
  const file = path.join(dataDir, 'police', 'merseyside', `2019-${String(m).padStart(2, '0')}-merseyside-street.csv`);
  for await (const item of csvRecords(file)) {
    if (!('record' in item) || item.line === 1) continue;
    const [, , , , lon, lat, , , , type] = item.record;
    if (!lon || !lat) continue;
    const cell = cellToParent(latLngToCell(Number(lat), Number(lon), 12), 8);
    if (!counts.has(cell)) {
      counts.set(cell, 0);
      harm.set(cell, 0);
    }
    if (proxy.has(type!)) {
      counts.set(cell, counts.get(cell)! + 1);
      harm.set(cell, harm.get(cell)! + weights[type!]!);
    }
  }
}
const cells = [...counts.keys()].sort();
const rows = (nb: ReturnType<typeof h3Neighbours>) =>
  cells.map((_, i) => {
    const out: [number, number][] = [];
    for (let p = nb.offsets[i]!; p < nb.offsets[i + 1]!; p++) out.push([nb.indices[p]!, nb.weights[p]!]);
    return out;
  });
const out = {
  description:
    'H3 res-8 cells with any data.police.uk incident in 2019 (Merseyside); public-proxy counts and CCHI harm in 2019; k=1 neighbours (self included)',
  cells,
  counts: cells.map((c) => counts.get(c)!),
  harm: cells.map((c) => Math.round(harm.get(c)! * 100) / 100),
  binary: rows(h3Neighbours(cells, { k: 1, weights: 'binary' })),
  inverseDistance: rows(h3Neighbours(cells, { k: 2, weights: 'inverse-distance' })),
};
const file = path.join(repoRoot, 'test', 'in', 'gistar-merseyside-r8.json');
fs.writeFileSync(file, JSON.stringify(out));
console.log(`wrote ${file}: ${cells.length} cells`);
