/** One rejected row or feature: where it is and what is wrong with it. */
export interface Rejection {
  line: number;
  field: string | null;
  value: string | null;
  reason: string;
}

/** A file that cannot be read at all (unknown format, no header); names the file. */
export class ImportFileError extends Error {
  constructor(
    readonly fileName: string,
    /** What is wrong, without the file's name. */
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
    this.name = 'ImportFileError';
  }
}

export function formatRejection(fileName: string, r: Rejection): string {
  const field = r.field ? ` field "${r.field}"` : '';
  const value = r.value !== null && r.value !== undefined ? ` (value "${r.value.length > 60 ? `${r.value.slice(0, 57)}…` : r.value}")` : '';
  return `${fileName} line ${r.line}${field}${value}: ${r.reason}`;
}

/** Longest field a row may hold: no published field comes near it (a location is under 100 characters). */
export const MAX_FIELD_CHARS = 1000;
/** Longest CSV record read at all (csv-parse max_record_size): a 50 MB line fails at once, not after minutes. */
export const MAX_RECORD_BYTES = 64 * 1024;

/** The file's bytes are not CSV text (empty, binary, not UTF-8); thrown before any row is read. */
export class FileContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileContentError';
  }
}
