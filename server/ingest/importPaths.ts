import fs from 'node:fs';
import path from 'node:path';
import { BulkLoad } from '../db/bulkLoad';
import { IncidentStore, type DirectCopy } from '../db/incidents';
import type { Db } from '../db/connection';
import { readCsvHeader } from './csv';
import { ImportFileError } from './errors';
import {
  importIncidentFile,
  incidentParserFor,
  prepareIncidentFile,
  storeIncidentFile,
  type ImportOutcome,
  type ProgressFn,
  type RowsRead,
} from './importIncidents';
import { onPostgresServer } from '../db/partitions';
import { importReferenceFiles, referenceKindOf, type ReferenceOutcome } from './reference';
import { importAggregateFile, looksLikeAggregates } from './aggregates';
import { geographyTableOf, isGeographyFormat, importBoundaryFile, importGeographyTable } from './geography';
import { tagIncidents } from '../services/tagging';
import { ForceStore } from '../db/forces';
import { findForce } from '../domain/forces';
import { ReaderPool } from './readerPool';

/** Files read ahead by the worker: enough to keep it busy, few enough that their rows fit in memory. */
const READ_AHEAD = 2;

/**
 * Imports one data file of any kind harmgrid reads, chosen by its header: published aggregates, or
 * incidents (data.police.uk, force extract, partner events). Reference tables go through importPaths.
 */
export async function importDataFile(
  db: Db,
  file: string,
  opts: { fileName?: string; onProgress?: ProgressFn; retag?: boolean; force?: string | undefined; bulk?: DirectCopy | null } = {},
): Promise<ImportOutcome> {
  const name = opts.fileName ?? path.basename(file);
  if (await isGeoJson(file)) return importBoundaryFile(db, file, { fileName: name, retag: opts.retag ?? true });
  const header = await readCsvHeader(file);
  const table = header && geographyTableOf(header);
  if (table) return importGeographyTable(db, file, table, { fileName: name });
  if (header && referenceKindOf(header))
    throw new ImportFileError(name, 'this is a reference table (offence codes or harm weights); import it with npm run import -- FOLDER');
  if (header && looksLikeAggregates(header)) return importAggregateFile(db, file, { fileName: name });
  return importIncidentFile(db, file, {
    fileName: name,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.force ? { force: opts.force } : {}),
    tag: opts.retag ?? true,
    bulk: opts.bulk ?? null,
  });
}

/** Every .csv, .geojson and .json file under the given files and folders, in name order (a file named directly is always read). */
export function listCsvFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${p}: no such file or folder`);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry));
    } else if (/\.(csv|geojson|json)$/i.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (stat?.isFile()) out.push(p);
    else walk(p);
  }
  return out;
}

export interface ImportReport {
  reference: ReferenceOutcome | null;
  files: ImportOutcome[];
  /** Files not imported because they hold no incidents (outcomes, stop and search) or are not recognised. */
  skipped: { file: string; reason: string }[];
  /** Files that could not be imported at all. */
  failed: { file: string; reason: string }[];
}

/**
 * Imports files and folders: reference tables (offence codes, harm weights) first, then each incident
 * file on its own (each whole or not at all). Files that hold no incidents are listed with the reason.
 */
export async function importPaths(
  db: Db,
  paths: string[],
  log: (line: string) => void = () => {},
  onProgress?: ProgressFn,
  opts: { force?: string | undefined; bulk?: boolean; workers?: boolean } = {},
): Promise<ImportReport> {
  const files = listCsvFiles(paths);
  const report: ImportReport = { reference: null, files: [], skipped: [], failed: [] };
  const referenceFiles: string[] = [];
  const geographyFiles: string[] = [];
  const incidentFiles: string[] = [];
  const aggregateFiles = new Set<string>();
  // Street files can be read by a worker thread (readerPool.ts): their header needs no database.
  const streetFiles = new Set<string>();
  for (const file of files) {
    if (await isGeoJson(file)) {
      geographyFiles.push(file);
      continue;
    }
    let header: string[] | null;
    try {
      header = await readCsvHeader(file);
    } catch (e) {
      if (!(e instanceof ImportFileError)) throw e;
      report.failed.push({ file, reason: e.message });
      log(`failed ${path.relative(process.cwd(), file)}: ${e.message}`);
      continue;
    }
    if (!header) {
      report.failed.push({ file, reason: 'the file has no rows (only blank lines)' });
      log(`failed ${path.relative(process.cwd(), file)}: the file has no rows (only blank lines)`);
      continue;
    }
    if (referenceKindOf(header)) {
      referenceFiles.push(file);
      continue;
    }
    if (geographyTableOf(header)) {
      geographyFiles.push(file);
      continue;
    }
    if (looksLikeAggregates(header)) {
      incidentFiles.push(file);
      aggregateFiles.add(file);
      continue;
    }
    const kind = await incidentParserFor(db, header).catch((e: Error) => ({ notIncidents: e.message }));
    if ('notIncidents' in kind) {
      const reason = kind.notIncidents ? `${kind.notIncidents}` : `header not recognised: ${header.slice(0, 6).join(',')}…`;
      report.skipped.push({ file, reason });
      log(`skip   ${path.relative(process.cwd(), file)}: ${reason}`);
      continue;
    }
    incidentFiles.push(file);
    if ('parser' in kind && kind.format === 'data.police.uk street') streetFiles.add(file);
  }
  if (referenceFiles.length) {
    report.reference = await importReferenceFiles(db, referenceFiles);
    log(`ref    ${report.reference.message}`);
  }
  // Boundaries first (districts, then wards, then LSOAs: each is checked against the districts), then
  // the tables and the incidents. The kind is read from the file's ONS code column, not its name.
  const ranks = new Map<string, number>();
  for (const f of geographyFiles) ranks.set(f, await boundaryRank(f));
  const rank = (f: string) => ranks.get(f) ?? 3;
  let n = 0;
  let boundariesChanged = false;
  // Incidents stored before this batch were tagged against the old boundaries; those of this batch are tagged as written.
  const storedBefore = await new IncidentStore(db).count();
  const boundaryFiles = geographyFiles.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const total = boundaryFiles.length + incidentFiles.length;
  // On PostgreSQL the next incident file is read, checked and tagged while the database stores this
  // one (the server works in its own process). Only between incident files: they are tagged against
  // boundaries that are all stored by then. PGlite runs in this thread, so there it gains nothing.
  const pipelined = onPostgresServer(db);
  const isIncidentFile = (f: string | undefined) => f !== undefined && incidentFiles.includes(f) && !aggregateFiles.has(f);
  const runFiles = async (handle: Db, list: string[], bulk: DirectCopy | null = null, pool: ReaderPool | null = null) => {
    // With a worker, the next files' rows are read there while this thread stores (PGlite) or tags (PostgreSQL).
    const ahead = new Map<string, Promise<RowsRead>>();
    const asked = new Set<string>();
    const registry = pool ? await new ForceStore(handle).registry() : [];
    const readAhead = (i: number) => {
      for (const f of list.slice(i, i + READ_AHEAD)) {
        if (!pool || asked.has(f) || !streetFiles.has(f)) continue;
        asked.add(f);
        const named = opts.force ? findForce(registry, opts.force) : undefined;
        const read = pool.read({ filePath: f, fileName: path.basename(f), registry, force: named, forced: Boolean(opts.force) });
        read.catch(() => {}); // raised when its file's turn comes
        ahead.set(f, read);
      }
    };
    const prepare = (file: string) => {
      const read = ahead.get(file);
      ahead.delete(file);
      return prepareIncidentFile(handle, file, {
        fileName: path.basename(file),
        ...(opts.force ? { force: opts.force } : {}),
        ...(onProgress ? { onProgress } : {}),
        ...(read ? { read } : {}),
      }).then(
        (ok) => ({ ok }),
        (error: unknown) => ({ error }),
      );
    };
    let next: { file: string; read: ReturnType<typeof prepare> } | null = null;
    for (const [i, file] of list.entries()) {
      n += 1;
      const label = `[${n}/${total}] ${path.relative(process.cwd(), file)}`;
      readAhead(i);
      try {
        let outcome: ImportOutcome;
        if ((pipelined || ahead.has(file)) && isIncidentFile(file)) {
          const read = await (next?.file === file ? next.read : prepare(file));
          readAhead(i + 1);
          next = pipelined && isIncidentFile(list[i + 1]) ? { file: list[i + 1]!, read: prepare(list[i + 1]!) } : null;
          if ('error' in read) throw read.error;
          outcome = 'outcome' in read.ok ? read.ok.outcome : await storeIncidentFile(handle, read.ok, { bulk, ...(onProgress ? { onProgress } : {}) });
        } else {
          // Boundary files do not re-tag one by one (one pass at the end covers them all); incident files are
          // tagged as they are written, against the boundaries stored so far.
          outcome = await importDataFile(handle, file, {
            fileName: path.basename(file),
            ...(onProgress ? { onProgress } : {}),
            force: opts.force,
            retag: !(await isGeoJson(file)),
            bulk,
          });
        }
        if (outcome.status === 'imported' && outcome.format?.startsWith('boundaries')) boundariesChanged = true;
        report.files.push(outcome);
        log(`${outcome.status.padEnd(6)} ${label}: ${outcome.message}`);
      } catch (e) {
        if (!(e instanceof ImportFileError)) throw e;
        report.failed.push({ file, reason: e.message });
        log(`failed ${label}: ${e.message}`);
      }
    }
  };
  await runFiles(db, boundaryFiles);
  // Into an empty store, every incident file goes in one transaction as a bulk load (server/db/bulkLoad.ts):
  // each file still whole or not at all (a savepoint each), the cube, coverage and indexes made once at
  // the end, and a kill leaves no incident stored.
  const bulk =
    opts.bulk !== false &&
    storedBefore === 0 &&
    incidentFiles.some(isIncidentFile) &&
    (await db.transaction(async (trx) => {
      const load = await BulkLoad.begin(trx);
      if (!load) return false;
      log(`bulk   the store is empty: loading ${incidentFiles.length} files in one transaction, the cube and indexes made at the end`);
      const before = report.files.length;
      // PGlite only: its SQL runs in this thread, so a worker reading ahead has the second core. On a
      // server the next file is already read while the server stores this one (pipelined), and a worker
      // would make three busy threads (this one, it and the server's backend) on two cores.
      const pool = opts.workers !== false && !pipelined && streetFiles.size > 1 ? ReaderPool.open() : null;
      try {
        await runFiles(trx, incidentFiles, load, pool);
      } finally {
        await pool?.close();
      }
      await load.finish(log);
      const stored = report.files.slice(before).filter((f) => f.status === 'imported').length;
      log(`bulk   committing ${stored} files`);
      return true;
    }));
  if (!bulk) await runFiles(db, incidentFiles);
  if (boundariesChanged && storedBefore > 0) {
    const t = await db.transaction((trx) => tagIncidents(trx));
    log(`tagged incidents at ${t.positions} positions with district, ward and LSOA in ${(t.ms / 1000).toFixed(1)} s`);
  }
  // Fresh planner statistics once the batch is in: without them a first start's cube reads take
  // seconds instead of milliseconds (the planner would guess one row and nest loops).
  if (report.files.some((f) => f.status === 'imported')) await new IncidentStore(db).analyse();
  return report;
}

/** 0 for a district GeoJSON, 1 for wards, 2 for LSOAs, 3 for a table, from the code columns near its start. */
async function boundaryRank(file: string): Promise<number> {
  if (!(await isGeoJson(file))) return 3;
  const handle = await fs.promises.open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(65536), 0, 65536, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return /"LSOA\d{2}CD"/.test(head) ? 2 : /"WD\d{2}CD"/.test(head) ? 1 : 0;
  } finally {
    await handle.close();
  }
}

/**
 * Whether a file holds JSON (a GeoJSON boundary file) rather than CSV, judged by its content — the
 * first character after any byte-order mark and white space is "{" — not by its name, so an upload
 * or a renamed file is read by what it is.
 */
export async function isGeoJson(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(256), 0, 256, 0);
    return /^\uFEFF?\s*\{/.test(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** What an import holds, by its format: incidents, boundary features or reference rows. */
export type ImportKind = 'incidents' | 'boundary features' | 'reference rows' | 'aggregate rows';

export function importKindOf(format: string | null): ImportKind {
  if (!format) return 'incidents';
  if (format.startsWith('boundaries')) return 'boundary features';
  if (format === 'aggregate counts') return 'aggregate rows';
  if (isGeographyFormat(format)) return 'reference rows';
  return 'incidents';
}

/** Counts of an import report by kind: what was stored, from how many files, and what failed. */
export interface ImportSummary {
  /** Rows or features stored, by kind (reference rows include the offence codes and harm weights). */
  stored: Record<ImportKind, number>;
  files: { imported: number; skipped: number; rejected: number; failed: number };
  /** One line in plain words, e.g. "12,345 incidents, 1,834 boundary features and 910 reference rows imported from 9 files". */
  message: string;
}

export function summariseImport(report: ImportReport): ImportSummary {
  const stored: Record<ImportKind, number> = { incidents: 0, 'boundary features': 0, 'reference rows': 0, 'aggregate rows': 0 };
  for (const f of report.files) if (f.status === 'imported') stored[importKindOf(f.format)] += f.rowsImported;
  if (report.reference) stored['reference rows'] += report.reference.offences + report.reference.cchiOffenceWeights + report.reference.cchiCategoryWeights;
  const files = {
    imported: report.files.filter((f) => f.status === 'imported').length + (report.reference ? 1 : 0),
    skipped: report.files.filter((f) => f.status === 'skipped').length + report.skipped.length,
    rejected: report.files.filter((f) => f.status === 'rejected').length,
    failed: report.failed.length,
  };
  const n = (v: number) => v.toLocaleString('en-GB');
  const parts = (Object.entries(stored) as [ImportKind, number][]).filter(([k, v]) => v > 0 || k === 'incidents').map(([k, v]) => `${n(v)} ${k}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]!;
  const problems = [
    files.rejected ? `${files.rejected} rejected` : '',
    files.failed ? `${files.failed} failed` : '',
    files.skipped ? `${files.skipped} skipped` : '',
  ].filter(Boolean);
  return {
    stored,
    files,
    message: `${list} imported from ${files.imported} file${files.imported === 1 ? '' : 's'}${problems.length ? `; ${problems.join(', ')}` : ''}`,
  };
}
