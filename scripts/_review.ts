import { performance } from 'node:perf_hooks';
import inspector from 'node:inspector/promises';
import fs from 'node:fs';
import { boldStreetSite } from '../test/support/data';
import { startServer } from '../server/server';
process.env.HARMGRID_REQUEST_TIMEOUT_S = '600';
const server = await startServer({
  port: 0,
  quiet: true,
  buildWeb: false,
  autoImport: false, prepare: true,
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
  schema: 'hg_pages',
} as never);
const db = (server as any).db;
const call = async (p: string, init?: RequestInit) => {
  const t = performance.now();
  const r = await fetch(server.url + p, init);
  const b = await r.text();
  if (r.status >= 400) throw new Error(b);
  return { ms: performance.now() - t, b };
};
while (!(JSON.parse((await call('/health')).b)).prepared) await new Promise((r) => setTimeout(r, 100));
console.log('prepared');
const created = await call('/api/sites', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'Bold Street (probe)', geometry: boldStreetSite() }),
});
const site = JSON.parse(created.b).id;
const started = new Map<string, number>();
const slow: [number, string][] = [];
db.on('query', (q: any) => started.set(q.__knexQueryUid, performance.now()));
db.on('query-response', (_r: any, q: any) => {
  const t = performance.now() - (started.get(q.__knexQueryUid) ?? 0);
  if (t > 40) slow.push([Math.round(t), q.sql.replace(/\s+/g, ' ').slice(0, 160)]);
});
const session = new inspector.Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
for (const [f, t] of [['2021-07', '2021-09'], ['2021-04', '2021-06'], ['2021-01', '2021-03'], ['2020-10', '2020-12']]) {
  slow.length = 0;
  console.log('warm', f, (await call(`/api/sites/${site}/review?from=${f}&to=${t}`)).ms.toFixed(0));
  for (const s of slow.sort((a, b) => b[0] - a[0])) console.log('  ', s[0], s[1]);
}
const { profile } = await session.post('Profiler.stop');
fs.writeFileSync('/tmp/review.cpuprofile', JSON.stringify(profile));
await db('site').where({ id: site }).delete();
await server.close();
process.exit(0);
