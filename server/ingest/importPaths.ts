import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connection';
import { readCsvHeader } from './csv';
import { ImportFileError } from './errors';
import { importIncidentFile, incidentParserFor, type ImportOutcome, type ProgressFn } from './importIncidents';
import { importReferenceFiles, referenceKindOf, type ReferenceOutcome } from './reference';
import { importAggregateFile, looksLikeAggregates } from './aggregates';
import { geographyTableOf, importBoundaryFile, importGeographyTable } from './geography';
import { tagIncidents } from '../services/tagging';

/**
 * Imports one data file of any kind harmgrid reads, chosen by its header: published aggregates, or
 * incidents (data.police.uk, force extract, partner events). Reference tables go through importPaths.
 */
export async function importDataFile(db: Db, file: string, opts: { fileName?: string; onProgress?: ProgressFn; retag?: boolean } = {}): Promise<ImportOutcome> {
  const name = opts.fileName ?? path.basename(file);
  if (await isGeoJson(file)) return importBoundaryFile(db, file, { fileName: name, retag: opts.retag ?? true });
  const header = await readCsvHeader(file);
  const table = header && geographyTableOf(header);
  if (table) return importGeographyTable(db, file, table, { fileName: name });
  if (header && referenceKindOf(header)) throw new ImportFileError(name, 'this is a reference table (offence codes or harm weights); import it with npm run import -- FOLDER');
  if (header && looksLikeAggregates(header)) return importAggregateFile(db, file, { fileName: name });
  return importIncidentFile(db, file, { ...opts, tag: opts.retag ?? true });
}

/** Every .csv and .geojson file under the given files and folders, in name order. */
export function listCsvFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${p}: no such file or folder`);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) walk(path.join(p, entry));
    } else if (/\.(csv|geojson)$/i.test(p)) {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
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
export async function importPaths(db: Db, paths: string[], log: (line: string) => void = () => {}, onProgress?: ProgressFn): Promise<ImportReport> {
  const files = listCsvFiles(paths);
  const report: ImportReport = { reference: null, files: [], skipped: [], failed: [] };
  const referenceFiles: string[] = [];
  const geographyFiles: string[] = [];
  const incidentFiles: string[] = [];
  for (const file of files) {
    if (await isGeoJson(file)) { geographyFiles.push(file); continue; }
    let header: string[] | null;
    try {
      header = await readCsvHeader(file);
    } catch (e) {
      if (!(e instanceof ImportFileError)) throw e;
      report.failed.push({ file, reason: e.message });
      log(`failed ${path.relative(process.cwd(), file)}: ${e.message}`);
      continue;
    }
    if (!header) { report.failed.push({ file, reason: 'the file has no rows (only blank lines)' }); log(`failed ${path.relative(process.cwd(), file)}: the file has no rows (only blank lines)`); continue; }
    if (referenceKindOf(header)) { referenceFiles.push(file); continue; }
    if (geographyTableOf(header)) { geographyFiles.push(file); continue; }
    if (looksLikeAggregates(header)) { incidentFiles.push(file); continue; }
    const kind = await incidentParserFor(db, header).catch((e: Error) => ({ notIncidents: e.message }));
    if ('notIncidents' in kind) {
      const reason = kind.notIncidents ? `${kind.notIncidents}` : `header not recognised: ${header.slice(0, 6).join(',')}…`;
      report.skipped.push({ file, reason });
      log(`skip   ${path.relative(process.cwd(), file)}: ${reason}`);
      continue;
    }
    incidentFiles.push(file);
  }
  if (referenceFiles.length) {
    report.reference = await importReferenceFiles(db, referenceFiles);
    log(`ref    ${report.reference.message}`);
  }
  // Boundaries first (districts, then wards, then LSOAs), then the tables and the incidents.
  const rank = (f: string) => (/lad/i.test(f) ? 0 : /ward/i.test(f) ? 1 : /lsoa/i.test(f) ? 2 : 3);
  let n = 0;
  let boundariesChanged = false;
  const ordered = [...geographyFiles.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)), ...incidentFiles];
  for (const file of ordered) {
    n += 1;
    const label = `[${n}/${ordered.length}] ${path.relative(process.cwd(), file)}`;
    try {
      // Once boundaries have changed in this batch, every incident is tagged in one pass at the end.
      const outcome = await importDataFile(db, file, { fileName: path.basename(file), onProgress, retag: !boundariesChanged && !(await isGeoJson(file)) });
      if (outcome.status === 'imported' && outcome.format?.startsWith('boundaries')) boundariesChanged = true;
      report.files.push(outcome);
      log(`${outcome.status.padEnd(6)} ${label}: ${outcome.message}`);
    } catch (e) {
      if (!(e instanceof ImportFileError)) throw e;
      report.failed.push({ file, reason: e.message });
      log(`failed ${label}: ${e.message}`);
    }
  }
  if (boundariesChanged) {
    const t = await db.transaction((trx) => tagIncidents(trx));
    log(`tagged incidents at ${t.positions} positions with district, ward and LSOA in ${(t.ms / 1000).toFixed(1)} s`);
  }
  return report;
}

async function isGeoJson(file: string): Promise<boolean> {
  return /\.geojson$/i.test(file);
}
