import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config';
import { importPaths } from '../../server/ingest/importPaths';
import { isReadOnly, lsnValue } from '../../server/db/routing';
import { startServer, type RunningServer } from '../../server/server';
import { TEST_SCHEMA, freshDb, onPostgres } from '../support/db';
import { PROXY_CATEGORIES, monthFile, readRows, zoneRow } from '../support/data';
import pg from 'pg';

// A streaming replica of the local cluster (scripts/replica-cluster.sh, port 5433) takes the API's
// reads; an import's answers are read back at once; a replica killed or paused is skipped.
const REPLICA_PORT = 5433;
const replicaScript = (cmd: string) =>
  execFileSync(path.join(repoRoot, 'scripts', 'replica-cluster.sh'), [cmd, String(REPLICA_PORT)], { stdio: 'pipe' }).toString();
const replicaUrl = () => {
  const u = new URL(process.env.DATABASE_URL!);
  u.port = String(REPLICA_PORT);
  return u.toString();
};

describe('which statements a replica may run', () => {
  it('sends plain reads to a replica and anything that writes, locks or calls a writing function to the primary', () => {
    expect(isReadOnly('SELECT version FROM data_version WHERE id = 1', 'raw')).toBe(true);
    expect(isReadOnly('  WITH a AS (SELECT 1) SELECT * FROM a', 'raw')).toBe(true);
    expect(isReadOnly('select "code" from "force"', 'select')).toBe(true);
    expect(isReadOnly('WITH ins AS (INSERT INTO incident SELECT 1 RETURNING 1) SELECT count(*) FROM ins', 'raw')).toBe(false);
    expect(isReadOnly('WITH old AS (DELETE FROM harm_cube RETURNING *) SELECT 1', 'raw')).toBe(false);
    expect(isReadOnly('SELECT * FROM zone WHERE id = 1 FOR UPDATE', 'select')).toBe(false);
    expect(isReadOnly('SELECT harmgrid_ensure_partitions($1, $2)', 'raw')).toBe(false);
    expect(isReadOnly("SELECT pg_notify('x', 'y')", 'raw')).toBe(false);
    expect(isReadOnly('UPDATE incident SET force_code = 1', 'update')).toBe(false);
    expect(isReadOnly('CREATE TABLE x (a int)', 'raw')).toBe(false);
  });

  it('orders WAL positions as PostgreSQL does (pg_lsn)', () => {
    expect(lsnValue('0/16B3748') < lsnValue('0/16B3750')).toBe(true);
    expect(lsnValue('1/0') > lsnValue('0/FFFFFFFF')).toBe(true);
    expect(lsnValue('7/A0000D8')).toBe((7n << 32n) + 0xa0000d8n);
  });
});

describe.runIf(onPostgres)('reads on a streaming replica, PostgreSQL', () => {
  let server: RunningServer;
  let replica: pg.Client;
  const expectedCells = readRows(monthFile('2020-01')).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!) && r.Longitude).length;
  const total = async () => {
    const res = await fetch(`${server.url}/api/cells?resolution=8&from=2020-01&to=2020-01`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { incidents: number[] };
    return body.incidents.reduce((s, n) => s + n, 0);
  };

  // The import log is read afresh on every request (no answer cache), so each call is one database read.
  const imported = async () => {
    const res = await fetch(`${server.url}/api/imports`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { imports: { rowsImported: number }[] }).imports.reduce((s, i) => s + i.rowsImported, 0);
  };
  const expectedRows = readRows(monthFile('2020-01')).length;

  beforeAll(async () => {
    replicaScript('start');
    const db = await freshDb();
    await db.destroy();
    // The load below sends 60 requests in 1.5 s from one client: the per-client rate limit (tested in
    // test/hardening) would answer some with 429 before the routing this file tests.
    process.env.HARMGRID_RATE_LIMIT_PER_MIN = '0';
    server = await startServer({
      databaseUrl: process.env.DATABASE_URL!,
      schema: TEST_SCHEMA,
      port: 0,
      autoImport: false,
      buildWeb: false,
      quiet: true,
      readUrls: [replicaUrl()],
    });
    delete process.env.HARMGRID_RATE_LIMIT_PER_MIN;
    replica = new pg.Client({ connectionString: replicaUrl() });
    replica.on('error', () => {
      /* killed on purpose below */
    });
    await replica.connect();
  });
  afterAll(async () => {
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => {});
    await replica?.end().catch(() => {});
    await server?.close();
  });

  it('answers right after an import with the imported data, then from the replica', async () => {
    const report = await importPaths(server.db, [monthFile('2020-01')]);
    expect(report.failed).toEqual([]);
    // The first answers come before the replica has necessarily replayed the import: they must hold it anyway.
    expect(await imported()).toBe(expectedRows);
    expect(await total()).toBe(expectedCells);
    // Once the replica has replayed the import it takes the reads again, and answers with the import.
    const afterImport = server.router!.status().replicas[0]!.reads;
    for (let i = 0; i < 80 && server.router!.status().replicas[0]!.reads === afterImport; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(await imported()).toBe(expectedRows);
    }
    expect(server.router!.status().replicas[0]!.reads).toBeGreaterThan(afterImport);
    const before = server.router!.status().replicas[0]!.reads;
    expect(await imported()).toBe(expectedRows);
    // The answer came from the replica (a request may make more than one read: the session, the version).
    expect(server.router!.status().replicas[0]!.reads).toBeGreaterThan(before);
  });

  it('skips a replica that lags beyond the bound, and uses it again once it has caught up', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    await server.db('zone').insert(zoneRow('lag test'));
    await new Promise((r) => setTimeout(r, 5600)); // past the 5 s bound
    await server.router!.check();
    expect(server.router!.status().replicas[0]).toMatchObject({ up: true, lagging: true });
    const primaryBefore = server.router!.status().primaryReads;
    const zones = await fetch(`${server.url}/api/zones`);
    expect(zones.status).toBe(200);
    expect(JSON.stringify(await zones.json())).toContain('lag test');
    expect(server.router!.status().primaryReads).toBeGreaterThan(primaryBefore);
    await replica.query('SELECT pg_wal_replay_resume()');
    // Catching up replays what the whole primary cluster wrote meanwhile: give it time.
    for (let i = 0; i < 60 && server.router!.status().replicas[0]!.lagging; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await server.router!.check();
    }
    expect(server.router!.status().replicas[0]).toMatchObject({ up: true, lagging: false });
  });

  it('fails no request when the replica is killed under load, and takes it back when it returns', async () => {
    const readsBefore = server.router!.status().replicas[0]!.reads;
    const load = Array.from({ length: 60 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 25));
      return imported();
    });
    setTimeout(() => replicaScript('kill'), 300);
    const answers = await Promise.all(load);
    expect(new Set(answers)).toEqual(new Set([expectedRows]));
    expect(server.router!.status().replicas[0]!.reads).toBeGreaterThan(readsBefore); // the replica did take part
    expect(server.router!.status().primaryReads).toBeGreaterThan(0);
    await server.router!.check();
    expect(server.router!.status().replicas[0]!.up).toBe(false);
    expect(await total()).toBe(expectedCells);
    replicaScript('start');
    let back = server.router!.status().replicas[0]!;
    for (let i = 0; i < 60 && !(back.up && !back.lagging); i++) {
      await new Promise((r) => setTimeout(r, 500));
      await server.router!.check();
      back = server.router!.status().replicas[0]!;
    }
    expect(back).toMatchObject({ up: true, lagging: false });
    expect(await imported()).toBe(expectedRows);
    expect(server.router!.status().replicas[0]!.reads).toBeGreaterThan(back.reads);
  });
});
