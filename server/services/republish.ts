import path from 'node:path';
import type { Db } from '../db/connection';
import { CoverageStore, type ReplacementRecord } from '../db/coverage';
import { ForceStore } from '../db/forces';
import { ImportStore } from '../db/imports';
import { findForce } from '../domain/forces';
import { nameMonths } from '../domain/coverage';
import { csvRecords, fileChecksum } from '../ingest/csv';
import { ImportFileError } from '../ingest/errors';
import { importIncidentFile, incidentParserFor } from '../ingest/importIncidents';
import { emptyOutcome, type ImportOutcome } from '../ingest/outcome';

export interface RepublishOutcome extends ImportOutcome {
  replaced: ReplacementRecord[];
}

/**
 * Replaces the months a file holds with its content: a re-published data.police.uk month, or a force
 * extract sent again with late records and corrections. In one transaction the stored incidents of
 * the file's source, force and months are deleted (the harm cube and coverage follow by trigger) and
 * the file is imported whole; a rejected file leaves the earlier months untouched. The import log
 * records, per month, how many records were kept (same reference in both), added and withdrawn.
 * Importing without replacement keeps stored records and skips the file's copies as duplicates.
 */
export async function republishIncidentFile(db: Db, filePath: string, opts: { fileName?: string; force?: string } = {}): Promise<RepublishOutcome> {
  const fileName = opts.fileName ?? path.basename(filePath);
  const imports = new ImportStore(db);
  const earlier = await imports.findImported(await fileChecksum(filePath));
  const scan = await scanFile(db, filePath, fileName);
  const forces = new ForceStore(db);
  const registry = await forces.registry();
  const named = opts.force ?? scan.fallsWithin;
  let force = named ? (findForce(registry, named)?.code ?? null) : null;
  if (named && !force) throw new ImportFileError(fileName, `unknown force "${named}"; give an ONS police force area code`);
  if (!force) {
    const loaded = await forces.loaded();
    if (loaded.length !== 1) throw new ImportFileError(fileName, `name the force whose months this file replaces (${loaded.length} forces are loaded)`);
    force = loaded[0]!.code;
  }
  if (earlier) {
    return {
      ...emptyOutcome(fileName),
      importId: earlier.id,
      format: earlier.format,
      message: `the same content was imported as import #${earlier.id}; nothing to replace`,
      replaced: [],
    };
  }
  const coverage = new CoverageStore(db);
  return db.transaction(async (trx) => {
    const stored = await coverage.storedRefs(trx, scan.source, force, scan.months);
    await trx('incident')
      .where({ source: scan.source, force_code: force })
      .whereIn(
        'month',
        scan.months.map((m) => `${m}-01`),
      )
      .delete();
    const outcome = await importIncidentFile(trx as unknown as Db, filePath, { fileName, force: force! });
    if (outcome.status !== 'imported' || outcome.importId === null) {
      // Nothing of a rejected file is stored, and the earlier months stay as they were.
      const first = outcome.rejections
        .slice(0, 3)
        .map((x) => `line ${x.line}${x.field ? ` field "${x.field}"` : ''}: ${x.reason}`)
        .join('; ');
      throw new ImportFileError(fileName, `${outcome.message}${first ? ` (${first})` : ''}; the earlier months were kept`);
    }
    const replaced: ReplacementRecord[] = scan.months
      .map((month) => {
        const before = stored.filter((s) => s.month === month);
        const after = scan.refs.get(month) ?? new Set<string>();
        const beforeRefs = new Set(before.map((b) => b.ref));
        const kept = [...after].filter((r) => beforeRefs.has(r)).length;
        const byImport = new Map<number, number>();
        for (const b of before) if (b.importId !== null) byImport.set(b.importId, (byImport.get(b.importId) ?? 0) + 1);
        const replacedImportId = [...byImport.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
        return {
          importId: outcome.importId!,
          replacedImportId,
          source: scan.source,
          force,
          month,
          rowsBefore: before.length,
          rowsAfter: after.size,
          rowsKept: kept,
          rowsAdded: after.size - kept,
          rowsWithdrawn: beforeRefs.size - kept,
        };
      })
      .filter((r) => r.rowsBefore > 0);
    await coverage.recordReplacements(trx, replaced);
    const what = replaced.length
      ? `; replaces ${replaced.map((r) => `${r.month}${r.replacedImportId ? ` of import #${r.replacedImportId}` : ''} (${r.rowsBefore} records before, ${r.rowsAfter} now: ${r.rowsKept} kept, ${r.rowsAdded} added, ${r.rowsWithdrawn} withdrawn)`).join('; ')}`
      : `; no earlier records of ${nameMonths(scan.months)} were stored, so nothing was replaced`;
    const message = `${outcome.message}${what}`;
    await trx('import_batch').where({ id: outcome.importId }).update({ message });
    return { ...outcome, message, replaced };
  });
}

/** The source, months and record references a file holds, read with the importer's own parsers. */
async function scanFile(
  db: Db,
  filePath: string,
  fileName: string,
): Promise<{ source: string; months: string[]; refs: Map<string, Set<string>>; fallsWithin: string | null }> {
  let parser: Awaited<ReturnType<typeof incidentParserFor>> | undefined;
  const refs = new Map<string, Set<string>>();
  const sources = new Set<string>();
  let fallsWithin: string | null = null;
  for await (const item of csvRecords(filePath)) {
    if ('error' in item) throw new ImportFileError(fileName, `line ${item.error.line}: ${item.error.reason}`);
    if (!parser) {
      parser = await incidentParserFor(db, item.record);
      if ('notIncidents' in parser)
        throw new ImportFileError(fileName, 'only incident files (data.police.uk street, force extract, partner events) replace months');
      if ('incomplete' in parser) throw new ImportFileError(fileName, parser.incomplete);
      continue;
    }
    if ('notIncidents' in parser || 'incomplete' in parser) break;
    if (parser.format === 'data.police.uk street' && fallsWithin === null) fallsWithin = item.record[3]?.trim() || null;
    const r = parser.parser.parse(item.record, item.line);
    if ('rejections' in r) continue; // the import itself rejects the file, naming each line
    sources.add(r.row.source);
    const set = refs.get(r.row.month) ?? new Set<string>();
    set.add(r.row.sourceRef);
    refs.set(r.row.month, set);
  }
  if (sources.size !== 1)
    throw new ImportFileError(
      fileName,
      sources.size === 0 ? 'the file holds no incidents' : `the file mixes sources (${[...sources].join(', ')}); replace one source at a time`,
    );
  return { source: [...sources][0]!, months: [...refs.keys()].sort(), refs, fallsWithin };
}
