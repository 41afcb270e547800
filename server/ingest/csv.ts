import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { basename } from 'node:path';
import { FileContentError, ImportFileError, MAX_FIELD_CHARS, MAX_RECORD_BYTES, type Rejection } from './errors';

/** SHA-256 of a file's bytes: the identity of an import. */
export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Checks that a file is CSV text before any row is read: not empty, not binary (a NUL byte in its
 * first 64 KB), and UTF-8 throughout. A file in Latin-1 or Windows-1252 (a spreadsheet's "CSV" save)
 * is refused, never guessed at: the same bytes mean different letters in each, and guessing wrong
 * stores mojibake. The message names the line and says how to convert it.
 */
export async function checkCsvText(path: string): Promise<void> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let line = 1;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 64 * 1024 })) {
    const buf = chunk as Buffer;
    if (bytes === 0) {
      const nul = buf.indexOf(0);
      if (nul >= 0) throw new FileContentError(`this is a binary file, not CSV text (a NUL byte at byte ${nul + 1}); export the data as CSV and import that`);
    }
    try {
      decoder.decode(buf, { stream: true });
    } catch {
      const at = firstInvalidUtf8(buf);
      line += newlinesIn(buf.subarray(0, at));
      throw new FileContentError(
        `line ${line} is not UTF-8 text (byte 0x${buf[at]?.toString(16).toUpperCase().padStart(2, '0')}); ` +
          'the file looks like Latin-1 or Windows-1252 (a spreadsheet\'s plain "CSV" save). It was not imported: save it as "CSV UTF-8", ' +
          'or convert it (iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8.csv), and import that',
      );
    }
    line += newlinesIn(buf);
    bytes += buf.length;
  }
  try {
    decoder.decode();
  } catch {
    throw new FileContentError('the file ends in the middle of a UTF-8 character; it is cut short or not UTF-8 text');
  }
  if (bytes === 0) throw new FileContentError('the file is empty (0 bytes)');
}

/** Reads just the header row of a CSV file (BOM removed), or null for a file with no rows; throws ImportFileError for a file that is not CSV text. */
export async function readCsvHeader(path: string): Promise<string[] | null> {
  try {
    await checkCsvText(path);
  } catch (e) {
    if (e instanceof FileContentError) throw new ImportFileError(basename(path), e.message);
    throw e;
  }
  for await (const item of csvRecords(path)) return 'record' in item ? item.record : null;
  return null;
}

/**
 * Streams the records of a CSV file with the line each record ends on (1-based, header = line 1).
 * Ragged rows are passed through for the caller to reject with a reason; a broken file (an unclosed
 * quote) ends the stream with a rejection naming the line.
 */
export async function* csvRecords(path: string): AsyncGenerator<{ record: string[]; line: number } | { error: Rejection }> {
  const parser = fs
    .createReadStream(path)
    .pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, max_record_size: MAX_RECORD_BYTES }));
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { record: item.record, line: item.info.lines };
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = Number((err as CsvError & { lines?: number }).lines ?? 0);
      const reason =
        err.code === 'CSV_MAX_RECORD_SIZE'
          ? `a record longer than ${MAX_RECORD_BYTES / 1024} KB starts here (no field of a data file needs more than ${MAX_FIELD_CHARS} characters); nothing was imported`
          : `the file is not valid CSV here: ${err.message}`;
      yield { error: { line, field: null, value: null, reason } };
      return;
    }
    throw err;
  }
}

/** How many line feeds buf holds: found with indexOf (a native scan), not a loop over every byte in JavaScript. */
function newlinesIn(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n += 1;
  return n;
}

/** Index of the first byte of buf that does not continue a valid UTF-8 sequence (a chunk's leading continuation bytes are skipped). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < 3 && i < buf.length && (buf[i]! & 0xc0) === 0x80) i++;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let j = 1; j <= n; j++) {
      if (i + j >= buf.length) return buf.length; // runs past the chunk: decided by the next one
      if ((buf[i + j]! & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return buf.length;
}
