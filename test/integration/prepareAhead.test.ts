import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { dbLabel } from '../support/db';
import { zoneRow } from '../support/data';
import { startTestServer } from '../support/server';

/**
 * Preparing ahead (server/services/prepareAhead.ts): after start, and after new data, the service
 * reads the cube slice, the location slice and the study areas its first answers need, so the first
 * map and HCHH requests read nothing of the cube. Told apart by the statements the database is sent.
 */
const MONTHS = ['2021-07', '2021-08', '2021-09'];

describe(`preparing the first answers ahead on ${dbLabel}`, () => {
  let server: RunningServer;
  const statements: string[] = [];
  const get = async (path: string) => {
    const res = await fetch(server.url + path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const waitPrepared = async () => {
    for (let i = 0; i < 600; i++) {
      if ((await get('/health')).body.prepared === true) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('the first answers were not prepared within 120 s');
  };
  const cubeReads = () => statements.filter((s) => /\bharm_cube\b|\bharm_rollup\b/.test(s));

  beforeAll(async () => {
    server = await startTestServer(MONTHS, { buildWeb: false, prepare: true });
    server.db.on('query', (q: { sql: string }) => statements.push(q.sql));
  }, 300_000);
  afterAll(async () => server?.close());

  it('answers the first map cells and HCHH areas without reading the cube once prepared', async () => {
    await waitPrepared();
    statements.length = 0;
    expect((await get('/api/hchh?resolution=9')).status).toBe(200);
    expect((await get('/api/cells?resolution=10')).status).toBe(200);
    expect(cubeReads()).toEqual([]);
  }, 300_000);

  it('keeps what it prepared when a zone is drawn, and prepares again after a change to the data the answers read', async () => {
    const before = (await get('/health')).body;
    await server.db('zone').insert(zoneRow('prepare test', { clear_start: '2021-08-01' }));
    statements.length = 0;
    // An analyst's own places change kept answers (the ETag), not the cube slices or study areas.
    expect((await get('/api/cells?resolution=9')).status).toBe(200);
    expect(cubeReads()).toEqual([]);
    expect((await get('/health')).body).toMatchObject({ prepared: true, incidents: before.incidents });
    // A definition saved again is a change to what answers read: the prepared reads go with the old version.
    await server.db('sv_definition').update({ name: server.db.raw('name') });
    statements.length = 0;
    expect((await get('/api/cells?resolution=9')).status).toBe(200);
    expect(cubeReads().length).toBeGreaterThan(0);
    expect((await get('/health')).body.prepared).toBe(false);
    await waitPrepared();
    statements.length = 0;
    expect((await get('/api/hchh?resolution=9')).status).toBe(200);
    expect(cubeReads()).toEqual([]);
  }, 300_000);
});
