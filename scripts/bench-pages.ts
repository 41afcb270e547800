/**
 * npm run bench:pages — the composed answers of issue 13's targets: a site review (≤ 1 s), the
 * partnership pack (≤ 3 s), and an impact evaluation against the force and against a district.
 *
 * Starts the service on the whole real Merseyside sample (45 months, boundaries, deprivation) on
 * PostgreSQL when DATABASE_URL is set (schema HARMGRID_TEST_SCHEMA), else on embedded PGlite in
 * memory, draws the tests' Bold Street site, then times each answer through the HTTP API:
 * - cold: the first answer of its kind (the first case runs on a fresh start, once the service has
 *   prepared its first answers ahead — HARMGRID_PREPARE=0 to measure without; later ones may reuse what
 *   earlier cases read, as one analyst's session would: study areas, cube slices, HCHH areas);
 * - warm: the same kind of answer for another period, with what every period shares already read;
 * - repeat: the same request again (the answer cache, until new data lands).
 * Wall time, and the CPU time of this process (the service runs in it; the database's own time on
 * PostgreSQL is not in it). Prints the load average, since the machine may be shared.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { boldStreetSite } from '../test/support/data';
import { startTestServer } from '../test/support/server';
import { monthRange } from '../server/domain/months';

const months = monthRange('2018-01', '2021-09');
process.env.HARMGRID_REQUEST_TIMEOUT_S ??= '600';
const t0 = performance.now();
const server = await startTestServer(months, { buildWeb: false });
console.log(
  `${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)'}; ${months.length} real months imported in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg()[0]!.toFixed(1)}`,
);

async function call(path: string, init?: RequestInit): Promise<{ status: number; ms: number; cpuMs: number; body: string }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const res = await fetch(server.url + path, init);
  const body = await res.text();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
  return { status: res.status, ms, cpuMs: (used.user + used.system) / 1000, body };
}

try {
  // The service prepares its first answers ahead after start (HARMGRID_PREPARE): wait for that, as an analyst arriving after it would.
  const t1 = performance.now();
  while (!(JSON.parse((await call('/health')).body) as { prepared: boolean }).prepared && process.env.HARMGRID_PREPARE !== '0')
    await new Promise((r) => setTimeout(r, 100));
  console.log(
    `first answers prepared ${((performance.now() - t1) / 1000).toFixed(1)} s after the service was ready${process.env.HARMGRID_PREPARE === '0' ? ' (preparing off)' : ''}`,
  );
  const created = await call('/api/sites', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bold Street (bench)', notes: 'OSM Bold Street, 20 m either side', geometry: boldStreetSite() }),
  });
  const site = (JSON.parse(created.body) as { id: number }).id;
  const district = 'E08000012'; // Liverpool
  const cases: { name: string; target: string; paths: [string, string] }[] = [
    { name: 'site review', target: '≤ 1 s', paths: [`/api/sites/${site}/review?from=2021-07&to=2021-09`, `/api/sites/${site}/review?from=2021-04&to=2021-06`] },
    {
      name: 'site review, printable',
      target: '≤ 1 s',
      paths: [`/api/sites/${site}/review.html?from=2021-01&to=2021-03`, `/api/sites/${site}/review.html?from=2020-10&to=2020-12`],
    },
    { name: 'partnership pack', target: '≤ 3 s', paths: ['/api/partnership-pack', '/api/partnership-pack.html'] },
    {
      name: 'impact, force comparison',
      target: '',
      paths: ['/api/impact?area=hchh:1&date=2020-10&comparison=force', '/api/impact?area=hchh:2&date=2020-06&comparison=force'],
    },
    {
      name: 'impact, district comparison',
      target: '',
      paths: [`/api/impact?area=hchh:1&date=2020-10&comparison=district:${district}`, `/api/impact?area=hchh:2&date=2020-06&comparison=district:${district}`],
    },
  ];
  console.log('\n| answer | target | cold wall / CPU | warm (another period) wall / CPU | repeat wall |');
  console.log('|---|---|---|---|---|');
  for (const c of cases) {
    const cold = await call(c.paths[0]);
    const warm = await call(c.paths[1]);
    const again = await call(c.paths[1]);
    const f = (x: { ms: number; cpuMs: number }) => `${x.ms.toFixed(0)} / ${x.cpuMs.toFixed(0)} ms`;
    console.log(`| ${c.name} | ${c.target} | ${f(cold)} | ${f(warm)} | ${again.ms.toFixed(0)} ms |`);
  }
  console.log(`\nload average at the end ${os.loadavg()[0]!.toFixed(1)}`);
} finally {
  await server.close();
}
