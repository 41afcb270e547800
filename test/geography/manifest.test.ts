import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir, tempDir } from '../support/data';

const run = (dir: string) => spawnSync('npx', ['tsx', 'geodata/download.ts', '--verify', dir], { encoding: 'utf8' });

describe('geodata manifest', () => {
  it('verifies the real boundary and index files against their checksums', () => {
    const r = run(dataDir);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^ok /gm)?.length).toBe(9);
  });

  it('names a file whose content differs from the manifest', () => {
    const dir = tempDir();
    for (const sub of ['boundaries', 'deprivation']) {
      fs.mkdirSync(path.join(dir, sub));
      for (const f of fs.readdirSync(path.join(dataDir, sub))) fs.symlinkSync(path.join(dataDir, sub, f), path.join(dir, sub, f));
    }
    const lad = path.join(dir, 'boundaries', 'merseyside-lad.geojson');
    fs.rmSync(lad);
    fs.writeFileSync(lad, '{"type":"FeatureCollection","features":[]}');
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/merseyside-lad\.geojson/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
