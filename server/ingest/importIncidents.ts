import path from 'node:path';
import type { Db } from '../db/connection';
import { IncidentStore, type DirectCopy } from '../db/incidents';
import { ensurePartitions } from '../db/partitions';
import { ForceStore } from '../db/forces';
import { ImportStore } from '../db/imports';
import { alreadyImported, emptyOutcome, type ImportOutcome } from './outcome';
import { findForce, type ForceRecord } from '../domain/forces';
import { ReferenceStore } from '../db/reference';
import { tagsForRows } from '../services/tagging';
import { checkCsvText, fileChecksum, csvRecords } from './csv';
import { FileContentError, ImportFileError, MAX_FIELD_CHARS, type Rejection } from './errors';
import { ForceExtractParser, looksLikeForceExtract, mapForceExtractHeader } from './forceExtract';
import type { IncidentRow } from './incidentRow';
import type { IncidentTags } from '../domain/geography/tags';
import { PartnerEventParser, looksLikePartnerEvents } from './partnerEvents';
import { POLICE_UK_OTHER_HEADERS, POLICE_UK_STREET_HEADER, PoliceUkStreetParser, missingStreetColumns } from './policeUk';
import { PARTNER_EVENT_COLUMNS } from './partnerEvents';
import { mapColumns } from './fields';

export type { ImportOutcome } from './outcome';

export type ProgressFn = (event: { fileName: string; phase: 'reading' | 'storing'; rows: number }) => void;

const PROGRESS_EVERY = 20000;

type Parser = { parse(record: string[], line: number): { row: IncidentRow } | { rejections: Rejection[] } };

/**
 * What kind of file a header announces: a parser for incidents, why the file holds none, or — for a
 * header that is recognisably one of the formats with a column missing — what is missing, so that the
 * file fails with the column named instead of being skipped as unrecognised.
 */
export async function incidentParserFor(
  db: Db,
  header: string[],
): Promise<{ format: string; parser: Parser } | { notIncidents: string } | { format: string; incomplete: string }> {
  const clean = header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  if (clean.length === POLICE_UK_STREET_HEADER.length && clean.every((h, i) => h === POLICE_UK_STREET_HEADER[i])) {
    return { format: 'data.police.uk street', parser: new PoliceUkStreetParser() };
  }
  const joined = clean.join(',');
  for (const [prefix, what] of Object.entries(POLICE_UK_OTHER_HEADERS)) {
    if (joined.startsWith(prefix)) return { notIncidents: what };
  }
  const missingStreet = missingStreetColumns(clean);
  if (missingStreet) {
    return {
      format: 'data.police.uk street',
      incomplete: `looks like a data.police.uk street-level file but has no column ${missingStreet.map((c) => `"${c}"`).join(', ')} (expected the published header ${POLICE_UK_STREET_HEADER.join(',')})`,
    };
  }
  if (looksLikePartnerEvents(clean)) {
    return { format: 'partner events', parser: new PartnerEventParser(clean) };
  }
  const partner = mapColumns(clean, PARTNER_EVENT_COLUMNS);
  if (partner.source !== undefined && partner.eventId !== undefined) {
    return {
      format: 'partner events',
      incomplete: `looks like a partner-events file but has no date column (one of: ${PARTNER_EVENT_COLUMNS.date.join(', ')})`,
    };
  }
  const { columns, problems } = mapForceExtractHeader(clean);
  const groups = [columns.incidentId !== undefined, columns.occurredAt !== undefined, columns.offenceCode !== undefined || columns.offenceName !== undefined];
  if (looksLikeForceExtract(clean) && problems.length === 0) {
    return { format: 'force extract', parser: new ForceExtractParser(columns, await new ReferenceStore(db).offences()) };
  }
  // Two of id, date-time and offence (or all three without a position): a force extract with columns missing.
  if (groups.filter(Boolean).length >= 2)
    return { format: 'force extract', incomplete: `looks like a force extract but the header is incomplete: ${problems.join('; ')}` };
  return { notIncidents: '' };
}

/**
 * Imports one incident file whole or not at all. Every row is checked before anything is stored;
 * any rejected row rejects the file, and the import log keeps each rejection with its line, field
 * and reason. Rows already stored (same source and reference) are counted as duplicates, so
 * re-importing a file or overlapping months adds nothing twice.
 */
export async function importIncidentFile(
  db: Db,
  filePath: string,
  opts: { fileName?: string; onProgress?: ProgressFn; tag?: boolean; force?: string; bulk?: DirectCopy | null } = {},
): Promise<ImportOutcome> {
  const prepared = await prepareIncidentFile(db, filePath, opts);
  return 'outcome' in prepared ? prepared.outcome : storeIncidentFile(db, prepared, opts);
}

/** A file read, checked and tagged, waiting to be stored (storeIncidentFile). */
export interface PreparedIncidentFile {
  fileName: string;
  checksum: string;
  base: ImportOutcome;
  summary: Pick<ImportOutcome, 'fileName' | 'format' | 'rowsTotal' | 'rowsWithoutLocation' | 'firstMonth' | 'lastMonth' | 'rowsRejected'> & {
    checksum: string;
  };
  rows: IncidentRow[];
  tags: (IncidentTags | null)[] | null;
  /** The force named at import or in the file; null: decided when stored, from the forces loaded then. */
  force: ForceRecord | null;
}

/**
 * The reading half of an import: checks the file, parses and validates every row, and tags them.
 * Writes nothing, except the import log's record of a rejected file (its own transaction); a file
 * already imported or rejected comes back as its outcome. The rows stay in memory until stored, so a
 * caller can read the next file while the previous one is being written (importPaths).
 */
export async function prepareIncidentFile(
  db: Db,
  filePath: string,
  opts: { fileName?: string; tag?: boolean; force?: string; onProgress?: ProgressFn; read?: Promise<RowsRead> } = {},
): Promise<PreparedIncidentFile | { outcome: ImportOutcome }> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const imports = new ImportStore(db);
  const base = emptyOutcome(fileName);
  const registry = await new ForceStore(db).registry();
  // The force a file's incidents belong to: named by the user, else the force data.police.uk writes
  // in 'Falls within' (every row of a force's file carries it), else the one force already loaded.
  const named = opts.force ? findForce(registry, opts.force) : undefined;
  const context: ReadContext = { registry, force: named, forced: Boolean(opts.force), parserFor: (h) => incidentParserFor(db, h) };
  if (opts.onProgress) context.onProgress = opts.onProgress;
  // Read ahead by a worker (readerPool.ts), or here: checked, then looked up, then parsed only when new.
  const ahead = opts.read ? await opts.read : null;
  const read = ahead && !('inThread' in ahead) ? ahead : null;
  const checked = read ?? (await checkIncidentFile(filePath));
  if ('textError' in checked && typeof checked.textError === 'string') throw new ImportFileError(fileName, checked.textError);
  const checksum = checked.checksum;
  const earlier = await imports.findImported(checksum);
  if (earlier) return { outcome: alreadyImported(fileName, earlier) };
  if (opts.force && !named)
    throw new ImportFileError(
      fileName,
      `unknown force "${opts.force}"; give an ONS police force area code (e.g. ${registry[0]?.code ?? 'E23000001'}) or the force's name as data.police.uk writes it`,
    );
  let result: ReadRows;
  if (read) {
    if ('fileError' in read) throw new ImportFileError(fileName, read.fileError);
    if (!('read' in read)) throw new Error('unreachable: a text error was raised above');
    result = read.read;
    for (let n = PROGRESS_EVERY; n <= result.rowsTotal; n += PROGRESS_EVERY) opts.onProgress?.({ fileName, phase: 'reading', rows: n });
  } else {
    result = await readIncidentRows(filePath, fileName, context);
  }
  const { format, rows, rejections, rowsTotal, withoutLocation, firstMonth, lastMonth, force } = result;

  const summary = {
    fileName,
    checksum,
    format,
    rowsTotal,
    rowsWithoutLocation: withoutLocation,
    firstMonth,
    lastMonth,
    rowsRejected: rejections.length ? new Set(rejections.map((r) => r.line)).size : 0,
  };
  if (rejections.length) {
    const message = `rejected: ${summary.rowsRejected} of ${rowsTotal} rows have errors; nothing from this file was stored`;
    const importId = await db.transaction(async (trx) => {
      const id = await imports.create(trx, { ...summary, status: 'rejected', message, rowsImported: 0, rowsDuplicate: 0 });
      await imports.addRejections(trx, id, rejections);
      await imports.finish(trx, id, {});
      return id;
    });
    return { outcome: { ...base, ...summary, status: 'rejected', importId, message, rejections: rejections.slice(0, 50) } };
  }
  // Tagged as they are written (one pass over the file's distinct positions), not updated after.
  const tags = opts.tag !== false ? await tagsForRows(db, rows) : null;
  return { fileName, checksum, base, summary, rows, tags, force: force ?? null };
}

/**
 * The writing half of an import: stores a prepared file whole in one transaction, or, when the same
 * content was imported meanwhile (a copy of the file read at the same time), nothing.
 */
export async function storeIncidentFile(
  db: Db,
  prepared: PreparedIncidentFile,
  opts: { onProgress?: ProgressFn; bulk?: DirectCopy | null } = {},
): Promise<ImportOutcome> {
  const { fileName, base, summary, rows, tags } = prepared;
  const { firstMonth, lastMonth, rowsWithoutLocation: withoutLocation } = summary;
  const imports = new ImportStore(db);
  const forces = new ForceStore(db);
  let force = prepared.force ?? undefined;
  const earlier = await imports.findImported(prepared.checksum);
  if (earlier) return alreadyImported(fileName, earlier);
  if (!force && rows.length) {
    // With no force loaded yet the incidents wait unassigned (answers then cover "all loaded data");
    // with several loaded, guessing could put one force's records in another's answers.
    const loaded = await forces.loaded();
    if (loaded.length > 1) {
      throw new ImportFileError(
        fileName,
        `this file does not say which force its incidents belong to and ${loaded.length} forces are loaded ` +
          `(${loaded.map((f) => `${f.code} ${f.name}`).join(', ')}); name one at import (--force CODE, or the force field of the upload)`,
      );
    }
    force = loaded[0];
  }
  const store = new IncidentStore(db);
  const outcome = await db.transaction(async (trx) => {
    const forceCode = force?.code ?? null;
    // Partitions first, before the import log's row: making one locks the import log against inserts
    // (the key to it), and taking that lock while holding the data version's row (bumped by our own
    // insert) deadlocks with a rejected file's log entry written at the same time (importPaths reads the
    // next file meanwhile).
    await ensurePartitions(trx, forceCode, [...new Set(rows.map((r) => `${r.month}-01`))]);
    const id = await imports.create(trx, { ...summary, status: 'imported', message: null, rowsImported: 0, rowsDuplicate: 0 });
    const cube = new IncidentStore(trx);
    // One statement for the whole file, so the cube gets one row per key, unless the file's months
    // already held cube rows of this force (another file of the month, or rows a re-publication deleted).
    const overlaps = firstMonth && lastMonth ? await cube.cubeHolds(forceCode, firstMonth, lastMonth) : false;
    opts.onProgress?.({ fileName, phase: 'storing', rows: 0 });
    const { inserted, districts } = await store.insertRows(trx, rows, id, forceCode, tags, opts.bulk);
    opts.onProgress?.({ fileName, phase: 'storing', rows: rows.length });
    if (overlaps && firstMonth && lastMonth) await cube.compactCube(firstMonth, lastMonth, forceCode);
    if (force) {
      await trx('import_batch').where({ id }).update({ force_code: force.code });
      await new ForceStore(trx).adoptUnassigned();
    }
    // The districts this file's new incidents fall in belong to its force (unless declared otherwise).
    if (forceCode && districts.length) await new ForceStore(trx).assignDistrictsTo(forceCode, districts);
    const duplicates = rows.length - inserted;
    const message =
      `imported ${inserted} incidents` +
      (duplicates ? `; ${duplicates} were already stored (same source and reference) and were skipped` : '') +
      (withoutLocation ? `; ${withoutLocation} have no coordinates and are kept without a position (not on the map)` : '');
    await imports.finish(trx, id, { rowsImported: inserted, rowsDuplicate: duplicates, message });
    return { id, inserted, duplicates, message };
  });
  return {
    ...base,
    ...summary,
    status: 'imported',
    importId: outcome.id,
    message: outcome.message,
    rowsImported: outcome.inserted,
    rowsDuplicate: outcome.duplicates,
  };
}

/** What the reading of a file's rows needs: the forces, the force named at import, the parser for a header. */
export interface ReadContext {
  registry: ForceRecord[];
  /** The force named at import (undefined when none was, or the name is unknown). */
  force: ForceRecord | undefined;
  /** Whether a force was named at import (then 'Falls within' is not checked). */
  forced: boolean;
  parserFor: (header: string[]) => ReturnType<typeof incidentParserFor>;
  onProgress?: ProgressFn;
}

/** A file's rows as read and checked, before anything is looked up or stored. */
export interface ReadRows {
  format: string | null;
  rows: IncidentRow[];
  rejections: Rejection[];
  rowsTotal: number;
  withoutLocation: number;
  firstMonth: string | null;
  lastMonth: string | null;
  force: ForceRecord | undefined;
}

/**
 * A file read whole, as a worker gives it back (readerPool.ts): its checksum and rows, or why it could
 * not be read (the message of the ImportFileError to raise), or that it must be read in the main thread.
 */
export type RowsRead =
  | { checksum: string; textError: string }
  | { checksum: string; fileError: string }
  | { checksum: string; read: ReadRows }
  | { inThread: true };

/** The checksum of a file and whether it is CSV text (the message of a FileContentError if not). */
export async function checkIncidentFile(filePath: string): Promise<{ checksum: string } | { checksum: string; textError: string }> {
  const checksum = await fileChecksum(filePath);
  try {
    await checkCsvText(filePath);
  } catch (e) {
    if (e instanceof FileContentError) return { checksum, textError: e.message };
    throw e;
  }
  return { checksum };
}

/**
 * Parses and validates every row of a file against the header's parser: no database, so that a
 * worker thread can do it (readerPool.ts) with the same rows and the same messages as the main thread.
 * Throws ImportFileError for a file that cannot be read at all.
 */
export async function readIncidentRows(filePath: string, fileName: string, context: ReadContext): Promise<ReadRows> {
  const { registry, forced } = context;
  let force = context.force;
  let parser: Parser | undefined;
  let header: string[] = [];
  let format: string | null = null;
  const rows: IncidentRow[] = [];
  const rejections: Rejection[] = [];
  const firstLineOfRef = new Map<string, number>();
  let rowsTotal = 0;
  let withoutLocation = 0;
  let firstMonth: string | null = null;
  let lastMonth: string | null = null;
  // Every row of a file names its force: look each distinct name up once.
  const namedForces = new Map<string, ForceRecord | undefined>();
  const forceNamed = (name: string) => {
    if (!namedForces.has(name)) namedForces.set(name, findForce(registry, name));
    return namedForces.get(name);
  };

  for await (const item of csvRecords(filePath)) {
    if ('error' in item) {
      rejections.push(item.error);
      break;
    }
    if (!parser) {
      let found: Awaited<ReturnType<typeof incidentParserFor>>;
      try {
        found = await context.parserFor(item.record);
      } catch (err) {
        if (err instanceof ReadInThread) throw err;
        throw new ImportFileError(fileName, (err as Error).message);
      }
      if ('incomplete' in found) throw new ImportFileError(fileName, found.incomplete);
      if ('notIncidents' in found) {
        throw new ImportFileError(
          fileName,
          found.notIncidents
            ? `this is ${found.notIncidents}, so it was not imported`
            : `unrecognised header "${item.record.join(',').slice(0, 200)}"; expected a data.police.uk street-level file ` +
                `(${POLICE_UK_STREET_HEADER.join(',')}) or a force extract (see README, "Force extract")`,
        );
      }
      ({ parser, format } = found);
      header = item.record;
      continue;
    }
    rowsTotal += 1;
    const long = item.record.findIndex((v) => v.length > MAX_FIELD_CHARS);
    if (long >= 0) {
      const v = item.record[long]!;
      rejections.push({
        line: item.line,
        field: header[long]?.trim() || `column ${long + 1}`,
        value: `${v.slice(0, 40)}…`,
        reason: `${v.length.toLocaleString('en-GB')} characters; a field may hold at most ${MAX_FIELD_CHARS}`,
      });
      continue;
    }
    if (format === 'data.police.uk street' && !forced) {
      const fallsWithin = item.record[3]?.trim() ?? '';
      if (!force) {
        force = forceNamed(fallsWithin);
        if (!force) {
          rejections.push({
            line: item.line,
            field: 'Falls within',
            value: fallsWithin,
            reason: 'not a police force of England and Wales that harmgrid knows (geodata/forces.json); name the force at import (--force CODE)',
          });
          continue;
        }
      } else if (forceNamed(fallsWithin)?.code !== force.code) {
        rejections.push({
          line: item.line,
          field: 'Falls within',
          value: fallsWithin,
          reason: `a file holds one force's incidents; earlier rows fall within ${force.policeUkName}`,
        });
        continue;
      }
    }
    const result = parser.parse(item.record, item.line);
    if ('rejections' in result) {
      rejections.push(...result.rejections);
      continue;
    }
    const row = result.row;
    if (!row.sourceRef.startsWith('derived:')) {
      const earlierLine = firstLineOfRef.get(row.sourceRef);
      if (earlierLine !== undefined) {
        rejections.push({ line: item.line, field: 'id', value: row.sourceRef, reason: `the same incident id already appears on line ${earlierLine}` });
        continue;
      }
      firstLineOfRef.set(row.sourceRef, item.line);
    }
    if (row.cell === null) withoutLocation += 1;
    if (firstMonth === null || row.month < firstMonth) firstMonth = row.month;
    if (lastMonth === null || row.month > lastMonth) lastMonth = row.month;
    rows.push(row);
    if (rowsTotal % PROGRESS_EVERY === 0) context.onProgress?.({ fileName, phase: 'reading', rows: rowsTotal });
  }
  if (!parser && rejections.length === 0) throw new ImportFileError(fileName, 'the file is empty (no header row)');
  return { format, rows, rejections, rowsTotal, withoutLocation, firstMonth, lastMonth, force };
}

/** Thrown by a worker's parser for a header it cannot read without the database: the file is read in the main thread. */
export class ReadInThread extends Error {}
