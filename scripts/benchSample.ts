import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../server/config';
import { addMonths } from '../server/domain/months';
import { csvRecords } from '../server/ingest/csv';
import { listCsvFiles } from '../server/ingest/importPaths';

const config = loadConfig();

function csvLine(fields: string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
}

/**
 * The benches' sample: the real data.police.uk rows (45 months of Merseyside) RESAMPLED to at least
 * targetRows: each real row once as published and again with its month moved on by the length of the
 * run (and its reference suffixed) as often as needed. Writes the month files to a new temporary
 * folder; returns the folder and the row count.
 */
export async function resample(targetRows: number): Promise<{ dir: string; rows: number; files: number }> {
  const sources = listCsvFiles([path.join(config.dataDir, 'police', 'merseyside')]);
  if (sources.length === 0) throw new Error(`no data.police.uk files under ${config.dataDir}/police/merseyside`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-bench-'));
  let realRows = 0;
  const months = sources.map((f) => path.basename(f).slice(0, 7));
  const span = months.length;
  let header = '';
  const byMonth = new Map<string, string[][]>();
  for (const file of sources) {
    let first = true;
    for await (const item of csvRecords(file)) {
      if ('error' in item) throw new Error(`${file}: ${item.error.reason}`);
      if (first) {
        header = csvLine(item.record);
        first = false;
        continue;
      }
      const m = item.record[1]!;
      if (!byMonth.has(m)) byMonth.set(m, []);
      byMonth.get(m)!.push(item.record);
      realRows += 1;
    }
  }
  const copies = Math.ceil(targetRows / realRows);
  let rows = 0,
    files = 0;
  for (let c = 0; c < copies; c++) {
    for (const [month, records] of byMonth) {
      const shifted = addMonths(month, c * span);
      const out = records.map((r) => {
        const x = [...r];
        x[1] = shifted;
        if (c > 0 && x[0]) x[0] = `${x[0]}-resampled-${c}`;
        return csvLine(x);
      });
      fs.writeFileSync(path.join(dir, `${shifted}-resampled-street.csv`), `${header}\n${out.join('\n')}\n`);
      rows += out.length;
      files += 1;
    }
  }
  return { dir, rows, files };
}
