import path from 'node:path';
import type { Db } from '../db/connection';
import { AggregateStore, type AggregateRow } from '../db/aggregates';
import { ImportStore } from '../db/imports';
import { parsePeriod, parsePublishedValue } from '../domain/periods';
import { csvRecords, fileChecksum } from './csv';
import { ImportFileError, type Rejection } from './errors';
import { mapColumns } from './fields';
import { alreadyImported, type ImportOutcome } from './outcome';

/**
 * Published area-period counts (Hospital Episode Statistics admissions, Homicide Index figures, …).
 * One row per source, measure, area, period and age band; `value` is a count or the publisher's
 * suppression marker, which is kept as such.
 */
export const AGGREGATE_COLUMNS = {
  source: ['source', 'publisher'],
  measure: ['measure', 'indicator'],
  areaCode: ['area_code', 'geography_code'],
  areaName: ['area_name', 'geography_name'],
  areaType: ['area_type', 'geography_type'],
  periodType: ['period_type'],
  period: ['period'],
  ageBand: ['age_band', 'age_group'],
  value: ['value', 'count'],
  revision: ['revision', 'status'],
} as const;
type Column = keyof typeof AGGREGATE_COLUMNS;
const REQUIRED: Column[] = ['source', 'measure', 'areaCode', 'areaType', 'periodType', 'period', 'value'];
const REVISIONS = ['provisional', 'revised', 'final', 'unknown'];

export function looksLikeAggregates(header: string[]): boolean {
  const c = mapColumns(header, AGGREGATE_COLUMNS);
  return c.measure !== undefined && c.periodType !== undefined && c.value !== undefined;
}

/**
 * Imports an aggregate file whole or not at all. A row for a source, measure, area, period and age
 * band that is already stored replaces it (a publisher's revision); the import log says how many.
 */
export async function importAggregateFile(db: Db, filePath: string, opts: { fileName?: string } = {}): Promise<ImportOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const imports = new ImportStore(db);
  const checksum = await fileChecksum(filePath);
  const base = {
    fileName,
    format: 'aggregate counts',
    rowsTotal: 0,
    rowsImported: 0,
    rowsDuplicate: 0,
    rowsRejected: 0,
    rowsWithoutLocation: 0,
    firstMonth: null as string | null,
    lastMonth: null as string | null,
    rejections: [] as Rejection[],
  };
  const earlier = await imports.findImported(checksum);
  if (earlier) return alreadyImported(fileName, earlier, base.format);

  let columns: Partial<Record<Column, number>> | null = null;
  const rows: AggregateRow[] = [];
  const rejections: Rejection[] = [];
  const keys = new Map<string, number>();
  for await (const item of csvRecords(filePath)) {
    if ('error' in item) {
      rejections.push(item.error);
      break;
    }
    if (!columns) {
      columns = mapColumns(item.record, AGGREGATE_COLUMNS);
      const missing = REQUIRED.filter((c) => columns![c] === undefined);
      if (missing.length) throw new ImportFileError(fileName, `aggregate file without column(s) ${missing.map((c) => AGGREGATE_COLUMNS[c][0]).join(', ')}`);
      continue;
    }
    base.rowsTotal += 1;
    const line = item.line;
    const cols = columns;
    const get = (c: Column) => {
      const i = cols[c];
      return i === undefined ? '' : (item.record[i] ?? '').trim();
    };
    const reject = (field: Column, value: string, reason: string) => rejections.push({ line, field: AGGREGATE_COLUMNS[field][0], value, reason });
    const before = rejections.length;
    for (const c of ['source', 'measure', 'areaCode', 'areaType'] as Column[]) if (!get(c)) reject(c, '', 'empty');
    let period: ReturnType<typeof parsePeriod> | undefined;
    try {
      period = parsePeriod(get('periodType'), get('period'));
    } catch (e) {
      reject(get('periodType') && (e as Error).message.startsWith('unknown') ? 'periodType' : 'period', get('period'), (e as Error).message);
    }
    const value = parsePublishedValue(get('value'));
    if (!value) reject('value', get('value'), 'neither a count (≥ 0) nor a suppression marker (*, c, [c], x, [x], .., :, ~, [low], suppressed)');
    const revision = (get('revision') || 'unknown').toLowerCase();
    if (!REVISIONS.includes(revision)) reject('revision', get('revision'), `use one of ${REVISIONS.join(', ')}`);
    if (rejections.length > before || !period || !value) continue;
    const ageBand = get('ageBand') || 'all ages';
    const key = [get('source'), get('measure'), get('areaCode'), period.type, period.label, ageBand].join('|');
    const dup = keys.get(key);
    if (dup !== undefined) {
      reject('period', get('period'), `the same source, measure, area, period and age band is already on line ${dup}`);
      continue;
    }
    keys.set(key, line);
    rows.push({
      source: get('source'),
      measure: get('measure'),
      areaCode: get('areaCode'),
      areaName: get('areaName') || null,
      areaType: get('areaType').toLowerCase(),
      periodType: period.type,
      periodLabel: period.label,
      periodStart: period.start,
      periodEnd: period.end,
      ageBand,
      value: value.value,
      suppressionMarker: value.marker,
      revision,
    });
    if (!base.firstMonth || period.start < base.firstMonth) base.firstMonth = period.start;
    if (!base.lastMonth || period.end > base.lastMonth) base.lastMonth = period.end;
  }
  if (!columns && rejections.length === 0) throw new ImportFileError(fileName, 'the file is empty (no header row)');
  const summary = {
    fileName,
    checksum,
    format: base.format,
    rowsTotal: base.rowsTotal,
    rowsWithoutLocation: 0,
    firstMonth: base.firstMonth,
    lastMonth: base.lastMonth,
  };
  if (rejections.length) {
    const rowsRejected = new Set(rejections.map((r) => r.line)).size;
    const message = `rejected: ${rowsRejected} of ${base.rowsTotal} rows have errors; nothing from this file was stored`;
    const importId = await db.transaction(async (trx) => {
      const id = await imports.create(trx, { ...summary, status: 'rejected', message, rowsImported: 0, rowsDuplicate: 0, rowsRejected });
      await imports.addRejections(trx, id, rejections);
      await imports.finish(trx, id, {});
      return id;
    });
    return { ...base, status: 'rejected', importId, message, rowsRejected, rejections: rejections.slice(0, 50) };
  }
  return db.transaction(async (trx) => {
    const id = await imports.create(trx, { ...summary, status: 'imported', message: null, rowsImported: 0, rowsDuplicate: 0, rowsRejected: 0 });
    const { inserted, replaced } = await new AggregateStore(trx).upsert(rows, id);
    const suppressed = rows.filter((r) => r.value === null).length;
    const message =
      `imported ${inserted} aggregate values` +
      (replaced ? `; ${replaced} replaced earlier values (revisions)` : '') +
      (suppressed ? `; ${suppressed} are suppressed by the publisher and kept as suppressed` : '');
    await imports.finish(trx, id, { rowsImported: inserted + replaced, rowsDuplicate: 0, message });
    return { ...base, status: 'imported' as const, importId: id, message, rowsImported: inserted + replaced };
  });
}
