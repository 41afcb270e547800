import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import type { Rejection } from './errors';

/** SHA-256 of a file's bytes: the identity of an import. */
export async function fileChecksum(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads just the header row of a CSV file (BOM removed), or null for an empty file. */
export async function readCsvHeader(path: string): Promise<string[] | null> {
  for await (const item of csvRecords(path)) return 'record' in item ? item.record : null;
  return null;
}

/**
 * Streams the records of a CSV file with the line each record ends on (1-based, header = line 1).
 * Ragged rows are passed through for the caller to reject with a reason; a broken file (an unclosed
 * quote) ends the stream with a rejection naming the line.
 */
export async function* csvRecords(path: string): AsyncGenerator<{ record: string[]; line: number } | { error: Rejection }> {
  const parser = fs.createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { record: item.record, line: item.info.lines };
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = Number((err as CsvError & { lines?: number }).lines ?? 0);
      yield { error: { line, field: null, value: null, reason: `the file is not valid CSV here: ${err.message}` } };
      return;
    }
    throw err;
  }
}
