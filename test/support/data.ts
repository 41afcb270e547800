import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../../server/config';

/** The shared real data folder (HARMGRID_DATA_DIR, default ../shared/data). */
export const dataDir = loadConfig().dataDir;
export const policeDir = path.join(dataDir, 'police', 'merseyside');
export const harmDir = path.join(dataDir, 'harm');

export function monthFile(month: string): string {
  const file = path.join(policeDir, `${month}-merseyside-street.csv`);
  if (!fs.existsSync(file)) throw new Error(`the tests need the real data file ${file}; set HARMGRID_DATA_DIR to the shared data folder`);
  return file;
}

/** Rows of a real file read independently of harmgrid's parser (csv-parse sync, header as keys). */
export function readRows(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
}

export function tempDir(prefix = 'harmgrid-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const PROXY_CATEGORIES = new Set(['Violence and sexual offences', 'Robbery', 'Possession of weapons']);
