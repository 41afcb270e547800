import path from 'node:path';
import type { Db } from '../db/connection';
import { ReferenceStore } from '../db/reference';
import { cchiSchemeHeader, cchiSubgroupOf, type HarmWeight } from '../domain/harm';
import type { OffenceClass } from '../domain/offences';
import { csvRecords } from './csv';
import { ImportFileError, formatRejection, type Rejection } from './errors';

/** The reference tables harmgrid reads, recognised by their header (file names do not matter). */
const KINDS = {
  offenceCodes: ['offence_code', 'offence_name', 'offence_subgroup', 'offence_group'],
  cchiBySubgroup: ['category', 'prc_subgroup', 'cchi_days'],
  cchiByCategory: ['crime_type', 'cchi_days'],
} as const;
type Kind = keyof typeof KINDS;

export function referenceKindOf(header: string[]): Kind | null {
  const h = header.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
  for (const [kind, cols] of Object.entries(KINDS) as [Kind, readonly string[]][]) {
    if (cols.every((c, i) => h[i] === c)) return kind;
  }
  return null;
}

export interface ReferenceOutcome {
  offences: number;
  cchiOffenceWeights: number;
  cchiCategoryWeights: number;
  message: string;
}

async function readTable(file: string): Promise<{ header: string[]; rows: { line: number; get: (c: string) => string }[] }> {
  let header: string[] | null = null;
  const rows: { line: number; get: (c: string) => string }[] = [];
  for await (const item of csvRecords(file)) {
    if ('error' in item) throw new ImportFileError(path.basename(file), formatRejection(path.basename(file), item.error));
    if (!header) {
      header = item.record.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
      continue;
    }
    const record = item.record;
    const h = header;
    rows.push({ line: item.line, get: (c) => (record[h.indexOf(c)] ?? '').trim() });
  }
  return { header: header ?? [], rows };
}

/**
 * Loads the Home Office offence classification and the Cambridge Crime Harm Index weights from their
 * CSV files in one transaction, and (re)builds the 'cchi' harm scheme from them: offence codes weigh
 * the median CCHI days of their subgroup, data.police.uk categories their published category weight.
 */
export async function importReferenceFiles(db: Db, files: string[]): Promise<ReferenceOutcome> {
  const byKind = new Map<Kind, string>();
  for (const file of files) {
    const { header } = await readTable(file);
    const kind = referenceKindOf(header);
    if (!kind) throw new ImportFileError(path.basename(file), 'not a reference table harmgrid knows (offence codes or CCHI weights)');
    byKind.set(kind, file);
  }
  const rejections: { file: string; r: Rejection }[] = [];
  const number = (file: string, line: number, field: string, text: string): number => {
    const v = Number(text);
    if (text === '' || !Number.isFinite(v) || v < 0) {
      rejections.push({ file, r: { line, field, value: text, reason: 'not a non-negative number' } });
      return NaN;
    }
    return v;
  };

  let offences: OffenceClass[] | null = null;
  const codesFile = byKind.get('offenceCodes');
  if (codesFile) {
    const seen = new Map<string, number>();
    offences = [];
    for (const row of (await readTable(codesFile)).rows) {
      const code = row.get('offence_code').toUpperCase();
      const name = row.get('offence_name');
      if (!code) {
        rejections.push({ file: codesFile, r: { line: row.line, field: 'offence_code', value: code, reason: 'empty' } });
        continue;
      }
      if (!name) {
        rejections.push({ file: codesFile, r: { line: row.line, field: 'offence_name', value: name, reason: 'empty' } });
        continue;
      }
      const dup = seen.get(code);
      if (dup !== undefined) {
        rejections.push({ file: codesFile, r: { line: row.line, field: 'offence_code', value: code, reason: `duplicate of line ${dup}` } });
        continue;
      }
      seen.set(code, row.line);
      offences.push({ code, name, subgroup: row.get('offence_subgroup'), group: row.get('offence_group') });
    }
  }

  const subgroupDays = new Map<string, number>();
  const subgroupFile = byKind.get('cchiBySubgroup');
  if (subgroupFile) {
    for (const row of (await readTable(subgroupFile)).rows) {
      subgroupDays.set(row.get('prc_subgroup'), number(subgroupFile, row.line, 'cchi_days', row.get('cchi_days')));
    }
  }
  const categoryWeights: HarmWeight[] = [];
  const categoryFile = byKind.get('cchiByCategory');
  if (categoryFile) {
    for (const row of (await readTable(categoryFile)).rows) {
      const category = row.get('crime_type');
      const w = number(categoryFile, row.line, 'cchi_days', row.get('cchi_days'));
      if (!category) rejections.push({ file: categoryFile, r: { line: row.line, field: 'crime_type', value: '', reason: 'empty' } });
      else
        categoryWeights.push({
          matchKind: 'category',
          matchValue: category,
          weight: w,
          note: 'data.police.uk category: national-count-weighted mean of CCHI subgroup medians',
        });
    }
  }
  if (rejections.length) {
    throw new ImportFileError(
      path.basename(rejections[0]!.file),
      `reference tables rejected, nothing stored:\n${rejections.map(({ file, r }) => formatRejection(path.basename(file), r)).join('\n')}`,
    );
  }

  return db.transaction(async (trx) => {
    const reference = new ReferenceStore(trx);
    if (offences) await reference.saveOffences(trx, offences);
    const known = offences ?? [...(await reference.offences()).values()];
    const offenceWeights: HarmWeight[] = [];
    if (subgroupDays.size) {
      for (const o of known) {
        const subgroup = cchiSubgroupOf(o);
        const days = subgroup ? subgroupDays.get(subgroup) : undefined;
        if (days !== undefined)
          offenceWeights.push({ matchKind: 'offence_code', matchValue: o.code, weight: days, note: `CCHI median of subgroup "${subgroup}"` });
      }
    }
    const existing = await reference.scheme(cchiSchemeHeader.key);
    const keep = existing ? await reference.schemeWeights(existing.id) : [];
    const weights = [
      ...(subgroupDays.size ? offenceWeights : keep.filter((w) => w.matchKind === 'offence_code')),
      ...(categoryFile ? categoryWeights : keep.filter((w) => w.matchKind === 'category')),
    ] as HarmWeight[];
    if (weights.length) {
      await reference.saveScheme({ ...cchiSchemeHeader, defaultWeight: null, weights }, { builtin: true, trx });
    }
    const nOffenceWeights = weights.filter((w) => w.matchKind === 'offence_code').length;
    const nCategoryWeights = weights.filter((w) => w.matchKind === 'category').length;
    return {
      offences: offences?.length ?? known.length,
      cchiOffenceWeights: nOffenceWeights,
      cchiCategoryWeights: nCategoryWeights,
      message: `offence classification: ${offences?.length ?? known.length} codes; CCHI weights: ${nOffenceWeights} offence codes, ${nCategoryWeights} categories`,
    };
  });
}
