import fs from 'node:fs';
import { validateBoundarySet } from './server/domain/geography/validity';
for (const f of process.argv.slice(2)) {
  const data = JSON.parse(fs.readFileSync(f, 'utf8'));
  const feats = data.features.map((x: any) => ({ code: String(Object.values(x.properties)[0]), geometry: x.geometry }));
  const t0 = Date.now();
  const r = validateBoundarySet(feats, { overlapTolerance: 0.0001 });
  console.log(f.split('/').pop(), feats.length, Date.now() - t0, 'ms', r.issues.length, r.issues.slice(0, 6).map((i) => i.code + ' ' + i.reason).join('\n  '));
}
