import type { ImportRecord } from '../db/imports';
import type { Rejection } from './errors';

/** What an import did: the import log's record plus the first rejections. */
export interface ImportOutcome extends Omit<ImportRecord, 'id' | 'checksum' | 'message' | 'startedAt' | 'finishedAt'> {
  importId: number | null;
  message: string;
  /** The first rejections (all are stored with the import). */
  rejections: Rejection[];
}

/** An outcome that stored nothing yet: every count zero, no months, status `skipped` until the importer says otherwise. */
export function emptyOutcome(fileName: string, format: string | null = null): ImportOutcome {
  return {
    fileName,
    status: 'skipped',
    importId: null,
    format,
    message: '',
    rowsTotal: 0,
    rowsImported: 0,
    rowsDuplicate: 0,
    rowsRejected: 0,
    rowsWithoutLocation: 0,
    firstMonth: null,
    lastMonth: null,
    rejections: [],
  };
}

/** The outcome of a file whose exact content was imported before (same checksum): nothing is stored twice. */
export function alreadyImported(fileName: string, earlier: { id: number; format: string | null }, format = earlier.format): ImportOutcome {
  return {
    ...emptyOutcome(fileName, format),
    importId: earlier.id,
    message: `already imported as import #${earlier.id} (same content); nothing to do`,
  };
}
