import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Db } from '../db/connection';
import { GeographyStore, type BoundaryRecord } from '../db/geography';
import { ImportStore } from '../db/imports';
import { areaKm2, codeProblem, geometryProblems, onsColumnsOf } from '../domain/geography/boundaries';
import { validateBoundarySet, type BoundaryIssue, type Polygonal } from '../domain/geography/validity';
import { tagIncidents } from '../services/tagging';
import { csvRecords, fileChecksum, readCsvHeader } from './csv';
import { ImportFileError, formatRejection, type Rejection } from './errors';
import { alreadyImported, emptyOutcome, type ImportOutcome } from './outcome';

/** Geography tables recognised by their header (the publishers' own column names, in their order). */
export const GEOGRAPHY_TABLES = {
  deprivation: ['LSOA code (2011)', 'LSOA name (2011)', 'Local Authority District code (2019)'],
  wardAggregates: ['ward_code', 'ward_name', 'lad_code', 'lad_name', 'Score', 'Proportion'],
  districtSummaries: ['Local Authority District code (2019)', 'Local Authority District name (2019)', 'IMD - Average score'],
} as const;
export type GeographyTable = keyof typeof GEOGRAPHY_TABLES | 'lookup';

const cleanHeader = (header: string[]) => header.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());

/** The columns of an ONS LSOA → ward lookup (any vintages: LSOA11CD or LSOA21CD, WDyyCD/WDyyNM, LADyyCD/LADyyNM). */
export interface LookupColumns {
  lsoa: string;
  lsoaVintage: string;
  ward: string;
  wardName: string;
  wardVintage: string;
  district: string;
  districtName: string;
}

export function lookupColumnsOf(header: string[]): LookupColumns | null {
  const h = cleanHeader(header);
  const find = (re: RegExp) => h.map((c) => re.exec(c)).find((m) => m !== null) ?? null;
  const lsoa = find(/^LSOA(11|21)CD$/),
    ward = find(/^WD(\d{2})CD$/),
    district = find(/^LAD(\d{2})CD$/);
  if (!lsoa || !ward || !district) return null;
  const wardName = `WD${ward[1]}NM`,
    districtName = `LAD${district[1]}NM`;
  if (!h.includes(wardName) || !h.includes(districtName)) return null;
  return { lsoa: lsoa[0], lsoaVintage: `20${lsoa[1]}`, ward: ward[0], wardName, wardVintage: `20${ward[1]}`, district: district[0], districtName };
}

export function geographyTableOf(header: string[]): GeographyTable | null {
  const h = cleanHeader(header);
  if (lookupColumnsOf(h)) return 'lookup';
  for (const [kind, cols] of Object.entries(GEOGRAPHY_TABLES) as [GeographyTable, readonly string[]][]) {
    if (cols.every((c, i) => h[i] === c)) return kind;
  }
  return null;
}

/** The import formats of the geography tables (reference rows in an import report). */
export const GEOGRAPHY_FORMATS: string[] = ['IoD 2019 by LSOA', 'IMD 2019 ward aggregates (third party)', 'IoD 2019 district summaries'];
const lookupFormat = (c: LookupColumns) => `LSOA ${c.lsoaVintage} → ward ${c.wardVintage} lookup`;
const isLookupFormat = (f: string) => /^LSOA \d{4} → ward \d{4} lookup$/.test(f);
export const isGeographyFormat = (f: string) => GEOGRAPHY_FORMATS.includes(f) || isLookupFormat(f);

const base = (fileName: string, format: string) => ({ ...emptyOutcome(fileName, format), status: 'imported' as const });

/** The import log's record of a reference file stored whole: every row imported, none refused. */
function recordImported(trx: Knex.Transaction, fileName: string, checksum: string, format: string, rows: number): Promise<number> {
  return new ImportStore(trx).create(trx, {
    fileName,
    checksum,
    format,
    status: 'imported',
    message: null,
    rowsTotal: rows,
    rowsImported: rows,
    rowsDuplicate: 0,
    rowsRejected: 0,
    rowsWithoutLocation: 0,
    firstMonth: null,
    lastMonth: null,
  });
}

/** Records a rejected geography file with its reasons, storing nothing else. */
async function reject(db: Db, fileName: string, checksum: string, format: string, total: number, rejections: Rejection[]): Promise<ImportOutcome> {
  const imports = new ImportStore(db);
  const rowsRejected = new Set(rejections.map((r) => r.line)).size;
  const message = `rejected: ${rowsRejected} of ${total} ${format.startsWith('boundaries') ? 'features' : 'rows'} have errors; nothing from this file was stored`;
  const importId = await db.transaction(async (trx) => {
    const id = await imports.create(trx, {
      fileName,
      checksum,
      format,
      status: 'rejected',
      message,
      rowsTotal: total,
      rowsImported: 0,
      rowsDuplicate: 0,
      rowsRejected,
      rowsWithoutLocation: 0,
      firstMonth: null,
      lastMonth: null,
    });
    await imports.addRejections(trx, id, rejections);
    await imports.finish(trx, id, {});
    return id;
  });
  return { ...base(fileName, format), status: 'rejected', importId, message, rowsTotal: total, rowsRejected, rejections: rejections.slice(0, 50) };
}

/** A boundary import's outcome, with the areas repaired (each by code, reason and rule). */
export interface BoundaryOutcome extends ImportOutcome {
  repairs: BoundaryIssue[];
}

/** Reads a GeoJSON FeatureCollection of polygons, or says plainly why the file is not one. */
function readFeatureCollection(filePath: string, fileName: string): { properties?: Record<string, unknown>; geometry?: unknown }[] {
  let data: { type?: string; crs?: { properties?: { name?: string } }; features?: { properties?: Record<string, unknown>; geometry?: unknown }[] };
  try {
    data = JSON.parse(fs.readFileSync(filePath, 'utf8'));
  } catch (e) {
    throw new ImportFileError(fileName, `not valid GeoJSON (the JSON does not parse: ${(e as Error).message})`);
  }
  if (data?.type !== 'FeatureCollection' || !Array.isArray(data.features)) {
    throw new ImportFileError(
      fileName,
      `not a GeoJSON FeatureCollection (its "type" is ${JSON.stringify(data?.type ?? null)}); export the boundary layer as a FeatureCollection`,
    );
  }
  const crs = data.crs?.properties?.name;
  if (crs && !/CRS84|4326/.test(crs))
    throw new ImportFileError(fileName, `wrong CRS "${crs}": boundaries must be WGS84 longitude/latitude (EPSG:4326, as RFC 7946 GeoJSON)`);
  if (data.features.length === 0) throw new ImportFileError(fileName, 'the FeatureCollection has no features');
  return data.features;
}

/**
 * Imports an ONS boundary GeoJSON (districts, wards or LSOAs of one vintage, recognised by the ONS code
 * column: LADyyCD, WDyyCD, LSOA11CD, LSOA21CD) whole or not at all, replacing the stored set of that kind
 * and vintage and re-tagging every incident (unless `retag` is false, when the caller re-tags after
 * loading several sets). Geometry is checked by validateBoundarySet (JTS validity): repaired areas are
 * named in the outcome with the rule, rejected ones stop the file. Features are numbered from 1 in
 * rejections ("line" = feature number).
 */
export async function importBoundaryFile(db: Db, filePath: string, opts: { fileName?: string; retag?: boolean } = {}): Promise<BoundaryOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const checksum = await fileChecksum(filePath);
  const earlier = await new ImportStore(db).findImported(checksum);
  if (earlier) return { ...alreadyImported(fileName, earlier, earlier.format ?? 'boundaries'), repairs: [] };
  const features = readFeatureCollection(filePath, fileName);
  const columns = new Set<string>();
  for (const f of features.slice(0, 50)) for (const k of Object.keys(f.properties ?? {})) columns.add(k);
  const spec = onsColumnsOf([...columns]);
  if ('error' in spec) throw new ImportFileError(fileName, spec.error);
  const format = `boundaries ${spec.kind} ${spec.vintage}`;
  const rows: BoundaryRecord[] = [];
  const rejections: Rejection[] = [];
  const seen = new Map<string, number>();
  // A ward or LSOA must lie in a loaded district (checked when districts are loaded: they import first).
  const knownDistricts = spec.kind === 'district' ? new Set<string>() : await new GeographyStore(db).codes('district');
  features.forEach((f, i) => {
    const line = i + 1;
    const code = String(f.properties?.[spec.code] ?? '').trim();
    const name = String(f.properties?.[spec.name] ?? '').trim();
    const bad = codeProblem(spec.kind, code);
    if (bad) {
      rejections.push({ line, field: spec.code, value: code, reason: bad });
      return;
    }
    if (!name) rejections.push({ line, field: spec.name, value: '', reason: 'empty name' });
    const dup = seen.get(code);
    if (dup !== undefined) rejections.push({ line, field: spec.code, value: code, reason: `duplicate code: feature ${dup} has it too` });
    seen.set(code, line);
    for (const p of geometryProblems(f.geometry, { allowKinks: true })) rejections.push({ line, field: 'geometry', value: code, reason: p });
    const district = spec.kind === 'district' ? code : String(f.properties?.[spec.district ?? ''] ?? '').trim() || null;
    if (district && knownDistricts.size && !knownDistricts.has(district)) {
      rejections.push({
        line,
        field: spec.district ?? 'district',
        value: district,
        reason: `unknown district code: the loaded districts are ${[...knownDistricts].sort().join(', ')}`,
      });
    }
    if (rejections.some((r) => r.line === line)) return;
    rows.push({ kind: spec.kind, vintage: spec.vintage, code, name, districtCode: district, geometry: f.geometry as BoundaryRecord['geometry'], areaKm2: 0 });
  });
  if (rejections.length) return { ...(await reject(db, fileName, checksum, format, features.length, rejections)), repairs: [] };
  const { geometries, issues } = validateBoundarySet(rows.map((r) => ({ code: r.code, geometry: r.geometry as Polygonal })));
  const lineOf = new Map(rows.map((r) => [r.code, seen.get(r.code)!]));
  const refused = issues.filter((x) => x.action === 'rejected');
  if (refused.length) {
    const outcome = await reject(
      db,
      fileName,
      checksum,
      format,
      features.length,
      refused.map((x) => ({ line: lineOf.get(x.code)!, field: 'geometry', value: x.code, reason: x.reason })),
    );
    return { ...outcome, repairs: [] };
  }
  const repairs = issues.filter((x) => x.action === 'repaired');
  for (const r of rows) {
    r.geometry = geometries.get(r.code)! as BoundaryRecord['geometry'];
    r.areaKm2 = areaKm2(r.geometry as never);
  }
  return db.transaction(async (trx) => {
    const id = await recordImported(trx, fileName, checksum, format, rows.length);
    await new GeographyStore(trx).replaceBoundaries(spec.kind, spec.vintage, rows, id);
    // A folder import loads several sets and re-tags once at the end (importPaths); a single file re-tags here.
    const tagged = opts.retag === false ? null : await tagIncidents(trx);
    const message =
      `${rows.length} ${spec.kind} boundaries (vintage ${spec.vintage}, ${rows.reduce((s, r) => s + r.areaKm2, 0).toFixed(1)} km²)` +
      (tagged ? `; incidents re-tagged at ${tagged.positions} positions` : '') +
      (repairs.length
        ? `; ${repairs.length} invalid as published and repaired: ${repairs.map((x) => `${x.code} (${x.reason}; rule: ${x.rule})`).join('; ')}`
        : '');
    await new ImportStore(trx).finish(trx, id, { message });
    return { ...base(fileName, format), importId: id, message, rowsTotal: rows.length, rowsImported: rows.length, repairs };
  });
}

/** Imports the IoD 2019 LSOA file, the LSOA → ward lookup or the published ward aggregates. */
export async function importGeographyTable(db: Db, filePath: string, kind: GeographyTable, opts: { fileName?: string } = {}): Promise<ImportOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  let lookupColumns: LookupColumns | null = null;
  if (kind === 'lookup') {
    lookupColumns = lookupColumnsOf((await readCsvHeader(filePath)) ?? []);
    if (!lookupColumns)
      throw new ImportFileError(fileName, 'not an LSOA → ward lookup: it needs LSOA11CD or LSOA21CD, WDyyCD, WDyyNM, LADyyCD and LADyyNM columns');
  }
  const format = lookupColumns
    ? lookupFormat(lookupColumns)
    : {
        deprivation: 'IoD 2019 by LSOA',
        wardAggregates: 'IMD 2019 ward aggregates (third party)',
        districtSummaries: 'IoD 2019 district summaries',
        lookup: '',
      }[kind];
  if (kind === 'districtSummaries') {
    return {
      ...base(fileName, format),
      status: 'skipped',
      message: 'district summaries are recomputed from the LSOA file; this file is kept only as a cross-check',
    };
  }
  const checksum = await fileChecksum(filePath);
  const earlier = await new ImportStore(db).findImported(checksum);
  if (earlier) return alreadyImported(fileName, earlier, format);
  let header: string[] | null = null;
  const rows: { line: number; get: (c: string) => string; record: string[] }[] = [];
  for await (const item of csvRecords(filePath)) {
    if ('error' in item) throw new ImportFileError(fileName, formatRejection(fileName, item.error));
    if (!header) {
      header = item.record.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
      continue;
    }
    const h = header,
      record = item.record;
    rows.push({ line: item.line, record, get: (c) => (record[h.indexOf(c)] ?? '').trim() });
  }
  const rejections: Rejection[] = [];
  const int = (r: (typeof rows)[number], c: string, min: number, max: number) => {
    const v = Number(r.get(c));
    if (!Number.isInteger(v) || v < min || v > max) {
      rejections.push({ line: r.line, field: c, value: r.get(c), reason: `not a whole number from ${min} to ${max}` });
      return NaN;
    }
    return v;
  };
  const lsoaCode = (r: (typeof rows)[number], c: string) => {
    const v = r.get(c);
    // The Indices of Deprivation are England's: a Welsh LSOA (W01) belongs in a lookup, not here.
    const bad = kind === 'deprivation' ? (/^E01\d{6}$/.test(v) ? null : 'not an English LSOA code (E01 and 6 digits)') : codeProblem('lsoa', v);
    if (bad) rejections.push({ line: r.line, field: c, value: v, reason: bad });
    return v;
  };
  const store = (trx: Db) => new GeographyStore(trx);
  let save: (trx: Db) => Promise<void>;
  if (kind === 'deprivation') {
    const out = rows.map((r) => {
      const domains: Record<string, number> = {};
      header!.slice(4).forEach((c, i) => {
        domains[c] = Number(r.record[i + 4]);
      });
      return {
        lsoaCode: lsoaCode(r, 'LSOA code (2011)'),
        lsoaName: r.get('LSOA name (2011)'),
        districtCode: r.get('Local Authority District code (2019)'),
        imdRank: int(r, 'Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)', 1, 32844),
        imdDecile: int(r, 'Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)', 1, 10),
        crimeRank: int(r, 'Crime Rank (where 1 is most deprived)', 1, 32844),
        crimeDecile: int(r, 'Crime Decile (where 1 is most deprived 10% of LSOAs)', 1, 10),
        population: int(r, 'Total population: mid 2015 (excluding prisoners)', 0, 100000),
        domains,
      };
    });
    save = (trx) => store(trx).replaceDeprivation(out);
  } else if (lookupColumns) {
    const c = lookupColumns;
    const out = rows.map((r) => {
      for (const [column, what] of [
        [c.ward, 'ward'],
        [c.district, 'district'],
      ] as const) {
        const bad = codeProblem(what, r.get(column));
        if (bad) rejections.push({ line: r.line, field: column, value: r.get(column), reason: bad });
      }
      return {
        lsoaCode: lsoaCode(r, c.lsoa),
        wardCode: r.get(c.ward),
        wardName: r.get(c.wardName),
        districtCode: r.get(c.district),
        districtName: r.get(c.districtName),
      };
    });
    save = (trx) => store(trx).replaceLookup(out, { lsoa: c.lsoaVintage, ward: c.wardVintage });
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
  // Codes must name loaded areas (checked against each boundary set once it is loaded; boundaries import
  // first). The Indices of Deprivation cover every English LSOA, so they are stored whole, and the
  // analyses read only the loaded places' LSOAs (GeographyStore.deprivation).
  const geo = new GeographyStore(db);
  const known = {
    lsoa: await geo.codes('lsoa', lookupColumns?.lsoaVintage ?? '2011'),
    ward: await geo.codes('ward', lookupColumns?.wardVintage ?? '2019'),
    district: await geo.codes('district'),
  };
  const unknown = (r: (typeof rows)[number], column: string, set: Set<string>, what: string) => {
    const v = r.get(column);
    if (set.size && v && !set.has(v)) rejections.push({ line: r.line, field: column, value: v, reason: `unknown code: no ${what} with this code is loaded` });
  };
  const seenCodes = new Map<string, number>();
  const keyColumn = kind === 'deprivation' ? 'LSOA code (2011)' : lookupColumns ? lookupColumns.lsoa : 'ward_code';
  for (const r of rows) {
    const v = r.get(keyColumn);
    const dup = seenCodes.get(v);
    if (v && dup !== undefined) rejections.push({ line: r.line, field: keyColumn, value: v, reason: `duplicate code: line ${dup} has it too` });
    seenCodes.set(v, r.line);
    if (lookupColumns) {
      const c = lookupColumns;
      unknown(r, c.lsoa, known.lsoa, `LSOA ${c.lsoaVintage}`);
      unknown(r, c.ward, known.ward, `ward (December ${c.wardVintage})`);
      unknown(r, c.district, known.district, 'district');
    }
    if (kind === 'wardAggregates') {
      unknown(r, 'ward_code', known.ward, 'ward (December 2019)');
      unknown(r, 'lad_code', known.district, 'district');
    }
  }
  if (rejections.length) return reject(db, fileName, checksum, format, rows.length, rejections);
  return db.transaction(async (trx) => {
    const id = await recordImported(trx, fileName, checksum, format, rows.length);
    await save(trx);
    const message =
      kind === 'deprivation'
        ? `${rows.length} LSOAs of the ${format} (${(await new GeographyStore(trx).deprivation()).length} of them in the loaded places)`
        : `${rows.length} rows of the ${format}`;
    await new ImportStore(trx).finish(trx, id, { message });
    return { ...base(fileName, format), importId: id, message, rowsTotal: rows.length, rowsImported: rows.length };
  });
}
