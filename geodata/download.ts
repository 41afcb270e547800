/**
 * Geographic sources: checks a data folder against geodata/manifest.json, or fetches the public parts
 * each curated file was made from.
 *
 *   npx tsx geodata/download.ts --verify ../shared/data   sha256 of every file against the manifest
 *   npx tsx geodata/download.ts DEST                      download every part (pinned commits) to DEST/parts/…,
 *                                                         each checked against its git blob id where recorded
 *
 * The curated files (merged per Merseyside, columns kept, coordinates rounded to 6 places) are made
 * from the parts by the manifest's `steps`; harmgrid reads them from HARMGRID_DATA_DIR and they are
 * never committed. Downloading needs internet access; nothing here runs at server start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ManifestFile {
  file: string;
  publisher: string;
  vintage: string;
  licence: string;
  attribution: string;
  sha256: string;
  parts?: { url: string; gitBlob?: string }[];
  steps?: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(fs.readFileSync(path.join(here, 'manifest.json'), 'utf8')) as { files: ManifestFile[] };

/** git's blob id: SHA-1 of "blob <length>\0" followed by the bytes. */
function gitBlobId(bytes: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function verify(dir: string): number {
  let bad = 0;
  for (const f of manifest.files) {
    const file = path.join(dir, f.file);
    if (!fs.existsSync(file)) {
      console.log(`missing  ${f.file}`);
      bad++;
      continue;
    }
    const sum = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sum === f.sha256) console.log(`ok       ${f.file} (${f.vintage}; ${f.licence})`);
    else {
      console.log(`CHANGED  ${f.file}: sha256 ${sum}, manifest ${f.sha256}`);
      bad++;
    }
  }
  return bad;
}

async function download(dest: string): Promise<number> {
  let bad = 0;
  for (const f of manifest.files) {
    for (const part of f.parts ?? []) {
      const target = path.join(dest, 'parts', f.file, part.url.split('/').slice(-2).join('-'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const res = await fetch(part.url);
      if (!res.ok) {
        console.log(`failed   ${part.url}: HTTP ${res.status}`);
        bad++;
        continue;
      }
      const bytes = Buffer.from(await res.arrayBuffer());
      if (part.gitBlob && gitBlobId(bytes) !== part.gitBlob) {
        console.log(`CHANGED  ${part.url}: git blob ${gitBlobId(bytes)}, manifest ${part.gitBlob}`);
        bad++;
        continue;
      }
      fs.writeFileSync(target, bytes);
      console.log(`saved    ${path.relative(process.cwd(), target)}${part.gitBlob ? ' (git blob id checked)' : ''}`);
    }
    if (f.steps?.length) console.log(`         ${f.file} is made from these parts by: ${f.steps.join('; ')}`);
    console.log(`         attribution: ${f.attribution}`);
  }
  return bad;
}

const args = process.argv.slice(2);
if (args[0] === '--verify' && args[1]) {
  process.exitCode = verify(path.resolve(args[1])) ? 1 : 0;
} else if (args[0] && !args[0].startsWith('-')) {
  process.exitCode = (await download(path.resolve(args[0]))) ? 1 : 0;
} else {
  console.error('usage: npx tsx geodata/download.ts --verify DATA_DIR | DEST_DIR');
  process.exitCode = 2;
}
