import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './config';

const webDir = path.join(repoRoot, 'web');
const built = path.join(webDir, 'dist', 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dist') newest = Math.max(newest, newestSource(p));
    } else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the web app into web/dist when it is missing or older than its sources, so `npm start` on a
 * fresh checkout serves the map without a separate build command.
 */
export async function ensureWebBuild(log: (line: string) => void): Promise<void> {
  if (!fs.existsSync(path.join(webDir, 'index.html'))) return;
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestSource(webDir)) return;
  log('harmgrid: building the web app (once; a few seconds)…');
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
}
