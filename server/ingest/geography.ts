import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connection';
import { GeographyStore, type BoundaryRecord } from '../db/geography';
import { ImportStore } from '../db/imports';
import { ONS_CODE_COLUMNS, areaKm2, geometryProblems, selfIntersections } from '../domain/geography/boundaries';
import { tagIncidents } from '../services/tagging';
import { csvRecords, fileChecksum } from './csv';
import { ImportFileError, formatRejection, type Rejection } from './errors';
import type { ImportOutcome } from './importIncidents';

/** Geography tables recognised by their header (the publishers' own column names). */
export const GEOGRAPHY_TABLES = {
  deprivation: ['LSOA code (2011)', 'LSOA name (2011)', 'Local Authority District code (2019)'],
  lookup: ['LSOA11CD', 'LSOA11NM', 'WD19CD', 'WD19NM', 'LAD19CD', 'LAD19NM'],
  wardAggregates: ['ward_code', 'ward_name', 'lad_code', 'lad_name', 'Score', 'Proportion'],
  districtSummaries: ['Local Authority District code (2019)', 'Local Authority District name (2019)', 'IMD - Average score'],
} as const;
export type GeographyTable = keyof typeof GEOGRAPHY_TABLES;

export function geographyTableOf(header: string[]): GeographyTable | null {
  const h = header.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
  for (const [kind, cols] of Object.entries(GEOGRAPHY_TABLES) as [GeographyTable, readonly string[]][]) {
    if (cols.every((c, i) => h[i] === c)) return kind;
  }
  return null;
}

const base = (fileName: string, format: string) => ({
  fileName, format, status: 'imported' as const, importId: null as number | null, message: '', rowsTotal: 0, rowsImported: 0, rowsDuplicate: 0,
  rowsRejected: 0, rowsWithoutLocation: 0, firstMonth: null, lastMonth: null, rejections: [] as Rejection[],
});

/** Records a rejected geography file with its reasons, storing nothing else. */
async function reject(db: Db, fileName: string, checksum: string, format: string, total: number, rejections: Rejection[]): Promise<ImportOutcome> {
  const imports = new ImportStore(db);
  const rowsRejected = new Set(rejections.map((r) => r.line)).size;
  const message = `rejected: ${rowsRejected} of ${total} ${format.startsWith('boundaries') ? 'features' : 'rows'} have errors; nothing from this file was stored`;
  const importId = await db.transaction(async (trx) => {
    const id = await imports.create(trx, { fileName, checksum, format, status: 'rejected', message, rowsTotal: total, rowsImported: 0, rowsDuplicate: 0, rowsRejected, rowsWithoutLocation: 0, firstMonth: null, lastMonth: null });
    await imports.addRejections(trx, id, rejections);
    await imports.finish(trx, id, {});
    return id;
  });
  return { ...base(fileName, format), status: 'rejected', importId, message, rowsTotal: total, rowsRejected, rejections: rejections.slice(0, 50) };
}

/**
 * Imports an ONS boundary GeoJSON (districts, wards or LSOAs of one vintage, recognised by the ONS code
 * column) whole or not at all, replacing the stored set of that kind and vintage and re-tagging every
 * incident (unless `retag` is false, when the caller re-tags after loading several sets). Features are
 * numbered from 1 in rejections ("line" = feature number).
 */
export async function importBoundaryFile(db: Db, filePath: string, opts: { fileName?: string; retag?: boolean } = {}): Promise<ImportOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const checksum = await fileChecksum(filePath);
  const earlier = await new ImportStore(db).findImported(checksum);
  if (earlier) return { ...base(fileName, earlier.format ?? 'boundaries'), status: 'skipped', importId: earlier.id, message: `already imported as import #${earlier.id} (same content); nothing to do` };
  let data: { type?: string; crs?: { properties?: { name?: string } }; features?: { properties?: Record<string, unknown>; geometry?: unknown }[] };
  try { data = JSON.parse(fs.readFileSync(filePath, 'utf8')); } catch (e) { throw new ImportFileError(fileName, `not valid JSON: ${(e as Error).message}`); }
  if (data.type !== 'FeatureCollection' || !Array.isArray(data.features)) throw new ImportFileError(fileName, 'not a GeoJSON FeatureCollection');
  const crs = data.crs?.properties?.name;
  if (crs && !/CRS84|4326/.test(crs)) throw new ImportFileError(fileName, `wrong CRS "${crs}": boundaries must be WGS84 longitude/latitude (EPSG:4326, as RFC 7946 GeoJSON)`);
  const props = data.features[0]?.properties ?? {};
  const codeColumn = Object.keys(ONS_CODE_COLUMNS).find((c) => c in props);
  if (!codeColumn) throw new ImportFileError(fileName, `no ONS code column in the features (expected one of ${Object.keys(ONS_CODE_COLUMNS).join(', ')})`);
  const spec = ONS_CODE_COLUMNS[codeColumn]!;
  const format = `boundaries ${spec.kind} ${spec.vintage}`;
  const rows: BoundaryRecord[] = [];
  const rejections: Rejection[] = [];
  const seen = new Map<string, number>();
  // A ward or LSOA must lie in a loaded district (checked when districts are loaded: they import first).
  const knownDistricts = spec.kind === 'district' ? new Set<string>() : await new GeographyStore(db).codes('district');
  data.features.forEach((f, i) => {
    const line = i + 1;
    const code = String(f.properties?.[codeColumn] ?? '').trim();
    const name = String(f.properties?.[spec.name] ?? '').trim();
    if (!/^[EWSN]\d{8}$/.test(code)) { rejections.push({ line, field: codeColumn, value: code, reason: 'not an ONS area code (a letter and 8 digits, e.g. E05000886)' }); return; }
    if (!name) rejections.push({ line, field: spec.name, value: '', reason: 'empty name' });
    const dup = seen.get(code);
    if (dup !== undefined) rejections.push({ line, field: codeColumn, value: code, reason: `duplicate code: feature ${dup} has it too` });
    seen.set(code, line);
    for (const p of geometryProblems(f.geometry, { allowKinks: true })) rejections.push({ line, field: 'geometry', value: code, reason: p });
    const district = spec.kind === 'district' ? code : String(f.properties?.[spec.district ?? ''] ?? '') || null;
    if (district && knownDistricts.size && !knownDistricts.has(district)) {
      rejections.push({ line, field: spec.district ?? 'district', value: district, reason: `unknown district code: the loaded districts are ${[...knownDistricts].sort().join(', ')}` });
    }
    if (rejections.some((r) => r.line === line)) return;
    rows.push({ kind: spec.kind, vintage: spec.vintage, code, name, districtCode: district, geometry: f.geometry as BoundaryRecord['geometry'], areaKm2: areaKm2(f.geometry as never) });
  });
  if (rejections.length) return reject(db, fileName, checksum, format, data.features.length, rejections);
  const kinked = rows.filter((r) => selfIntersections(r.geometry as never) > 0).map((r) => r.code);
  return db.transaction(async (trx) => {
    const imports = new ImportStore(trx);
    const id = await imports.create(trx, { fileName, checksum, format, status: 'imported', message: null, rowsTotal: rows.length, rowsImported: rows.length, rowsDuplicate: 0, rowsRejected: 0, rowsWithoutLocation: 0, firstMonth: null, lastMonth: null });
    await new GeographyStore(trx).replaceBoundaries(spec.kind, spec.vintage, rows, id);
    // A folder import loads several sets and re-tags once at the end (importPaths); a single file re-tags here.
    const tagged = opts.retag === false ? null : await tagIncidents(trx);
    const message = `${rows.length} ${spec.kind} boundaries (vintage ${spec.vintage}, ${rows.reduce((s, r) => s + r.areaKm2, 0).toFixed(1)} km²)` +
      (tagged ? `; incidents re-tagged at ${tagged.positions} positions` : '') +
      (kinked.length ? `; warning: ${kinked.join(', ')} touch or cross themselves (kept: point-in-polygon still works)` : '');
    await imports.finish(trx, id, { message });
    return { ...base(fileName, format), importId: id, message, rowsTotal: rows.length, rowsImported: rows.length };
  });
}

/** Imports the IoD 2019 LSOA file, the LSOA → ward lookup or the published ward aggregates. */
export async function importGeographyTable(db: Db, filePath: string, kind: GeographyTable, opts: { fileName?: string } = {}): Promise<ImportOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const format = { deprivation: 'IoD 2019 by LSOA', lookup: 'LSOA 2011 → ward 2019 lookup', wardAggregates: 'IMD 2019 ward aggregates (third party)', districtSummaries: 'IoD 2019 district summaries' }[kind];
  if (kind === 'districtSummaries') {
    return { ...base(fileName, format), status: 'skipped', message: 'district summaries are recomputed from the LSOA file; this file is kept only as a cross-check' };
  }
  const checksum = await fileChecksum(filePath);
  const earlier = await new ImportStore(db).findImported(checksum);
  if (earlier) return { ...base(fileName, format), status: 'skipped', importId: earlier.id, message: `already imported as import #${earlier.id} (same content); nothing to do` };
  let header: string[] | null = null;
  const rows: { line: number; get: (c: string) => string; record: string[] }[] = [];
  for await (const item of csvRecords(filePath)) {
    if ('error' in item) throw new ImportFileError(fileName, formatRejection(fileName, item.error));
    if (!header) { header = item.record.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim()); continue; }
    const h = header, record = item.record;
    rows.push({ line: item.line, record, get: (c) => (record[h.indexOf(c)] ?? '').trim() });
  }
  const rejections: Rejection[] = [];
  const int = (r: (typeof rows)[number], c: string, min: number, max: number) => {
    const v = Number(r.get(c));
    if (!Number.isInteger(v) || v < min || v > max) { rejections.push({ line: r.line, field: c, value: r.get(c), reason: `not a whole number from ${min} to ${max}` }); return NaN; }
    return v;
  };
  const lsoaCode = (r: (typeof rows)[number], c: string) => {
    const v = r.get(c);
    if (!/^E01\d{6}$/.test(v)) rejections.push({ line: r.line, field: c, value: v, reason: 'not an English LSOA code (E01 and 6 digits)' });
    return v;
  };
  const store = (trx: Db) => new GeographyStore(trx);
  let save: (trx: Db) => Promise<void>;
  if (kind === 'deprivation') {
    const out = rows.map((r) => {
      const domains: Record<string, number> = {};
      header!.slice(4).forEach((c, i) => { domains[c] = Number(r.record[i + 4]); });
      return {
        lsoaCode: lsoaCode(r, 'LSOA code (2011)'), lsoaName: r.get('LSOA name (2011)'), districtCode: r.get('Local Authority District code (2019)'),
        imdRank: int(r, 'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)', 1, 32844),
        imdDecile: int(r, 'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)', 1, 10),
        crimeRank: int(r, 'Crime Rank (where 1 is most deprived)', 1, 32844),
        crimeDecile: int(r, 'Crime Decile (where 1 is most deprived 10% of LSOAs)', 1, 10),
        population: int(r, 'Total population: mid 2015 (excluding prisoners)', 0, 100000),
        domains,
      };
    });
    save = (trx) => store(trx).replaceDeprivation(out);
  } else if (kind === 'lookup') {
    const out = rows.map((r) => ({ lsoaCode: lsoaCode(r, 'LSOA11CD'), wardCode: r.get('WD19CD'), wardName: r.get('WD19NM'), districtCode: r.get('LAD19CD'), districtName: r.get('LAD19NM') }));
    save = (trx) => store(trx).replaceLookup(out);
  } else {
    const out = rows.map((r) => {
      const values: Record<string, number> = {};
      header!.slice(4).forEach((c, i) => {
        const v = Number(r.record[i + 4]);
        if (!Number.isFinite(v)) rejections.push({ line: r.line, field: c, value: r.record[i + 4] ?? '', reason: 'not a number' });
        values[c] = v;
      });
      return { wardCode: r.get('ward_code'), wardName: r.get('ward_name'), districtCode: r.get('lad_code'), values };
    });
    save = (trx) => store(trx).replacePublishedWards(out);
  }
  // Codes must name loaded areas (checked against each boundary set once it is loaded; boundaries import first).
  const geo = new GeographyStore(db);
  const known = { lsoa: await geo.codes('lsoa', '2011'), ward: await geo.codes('ward', '2019'), district: await geo.codes('district') };
  const unknown = (r: (typeof rows)[number], column: string, set: Set<string>, what: string) => {
    const v = r.get(column);
    if (set.size && v && !set.has(v)) rejections.push({ line: r.line, field: column, value: v, reason: `unknown code: no ${what} with this code is loaded` });
  };
  const seenCodes = new Map<string, number>();
  const keyColumn = kind === 'deprivation' ? 'LSOA code (2011)' : kind === 'lookup' ? 'LSOA11CD' : 'ward_code';
  for (const r of rows) {
    const v = r.get(keyColumn);
    const dup = seenCodes.get(v);
    if (v && dup !== undefined) rejections.push({ line: r.line, field: keyColumn, value: v, reason: `duplicate code: line ${dup} has it too` });
    seenCodes.set(v, r.line);
    if (kind === 'deprivation') { unknown(r, 'LSOA code (2011)', known.lsoa, 'LSOA 2011'); unknown(r, 'Local Authority District code (2019)', known.district, 'district'); }
    if (kind === 'lookup') { unknown(r, 'LSOA11CD', known.lsoa, 'LSOA 2011'); unknown(r, 'WD19CD', known.ward, 'ward (December 2019)'); unknown(r, 'LAD19CD', known.district, 'district'); }
    if (kind === 'wardAggregates') { unknown(r, 'ward_code', known.ward, 'ward (December 2019)'); unknown(r, 'lad_code', known.district, 'district'); }
  }
  if (rejections.length) return reject(db, fileName, checksum, format, rows.length, rejections);
  return db.transaction(async (trx) => {
    const imports = new ImportStore(trx);
    const id = await imports.create(trx, { fileName, checksum, format, status: 'imported', message: null, rowsTotal: rows.length, rowsImported: rows.length, rowsDuplicate: 0, rowsRejected: 0, rowsWithoutLocation: 0, firstMonth: null, lastMonth: null });
    await save(trx);
    const message = `${rows.length} rows of the ${format}`;
    await imports.finish(trx, id, { message });
    return { ...base(fileName, format), importId: id, message, rowsTotal: rows.length, rowsImported: rows.length };
  });
}
