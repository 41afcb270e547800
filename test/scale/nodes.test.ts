import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config';
import { rowsOf, type Db } from '../../server/db/connection';
import { importPaths } from '../../server/ingest/importPaths';
import { TEST_SCHEMA, freshDb, onPostgres } from '../support/db';
import { monthFile, zoneRow } from '../support/data';

// Two API nodes behind one port (npm run start:cluster); a change written past both of them ends
// both nodes' cached answers, announced by NOTIFY on the data version.
const NODES = 2;

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.runIf(onPostgres)('several API nodes behind one port, PostgreSQL', () => {
  let db: Db;
  let nodes: ChildProcess;
  let url: string;
  const etags = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      // A new connection each time, so the cluster hands the requests to both nodes.
      const res = await fetch(`${url}/api/cells?resolution=8`, { headers: { Connection: 'close' } });
      expect(res.status).toBe(200);
      out.push(res.headers.get('etag')!);
      await res.arrayBuffer();
    }
    return out;
  };

  beforeAll(async () => {
    db = await freshDb();
    expect((await importPaths(db, [monthFile('2020-01')])).failed).toEqual([]);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nodes = spawn(process.execPath, [path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(repoRoot, 'server', 'cluster.ts')], {
      env: {
        ...process.env,
        PORT: String(port),
        HARMGRID_NODES: String(NODES),
        HARMGRID_DB_SCHEMA: TEST_SCHEMA,
        HARMGRID_AUTO_IMPORT: '0',
        HARMGRID_SKIP_WEB_BUILD: '1',
        HARMGRID_QUIET: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      nodes.stdout!.on('data', (d: Buffer) => {
        if (/node\(s\) at/.test(d.toString())) resolve();
      });
      nodes.once('exit', (code) => reject(new Error(`the nodes exited (${code})`)));
    });
    // Every node follows the data version on its own connection.
    for (let i = 0; i < 80; i++) {
      const n = rowsOf<{ n: number }>(
        await db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ?`, [`harmgrid data version ${TEST_SCHEMA}`]),
      )[0]!.n;
      if (n === NODES) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(async () => {
    nodes?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await db?.destroy();
  });

  it('has every node listening for data changes', async () => {
    const n = rowsOf<{ n: number }>(
      await db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ?`, [`harmgrid data version ${TEST_SCHEMA}`]),
    )[0]!.n;
    expect(n).toBe(NODES);
  });

  it("ends every node's cached answers when the data changes behind their backs", async () => {
    const before = await etags(6);
    expect(new Set(before).size).toBe(1);
    const version = Number(rowsOf<{ version: number }>(await db.raw('SELECT version FROM data_version'))[0]!.version);
    expect(before[0]).toContain(`harmgrid-${version}-`);
    // Written past both nodes, as `npm run import` or a script would.
    await db('zone').insert(zoneRow('nodes test'));
    await new Promise((r) => setTimeout(r, 300));
    const after = await etags(6);
    expect(new Set(after).size).toBe(1);
    expect(after[0]).toContain(`harmgrid-${version + 1}-`);
  });
});
