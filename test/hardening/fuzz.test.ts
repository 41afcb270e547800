import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { dbLabel } from '../support/db';
import { STACK_TRACE, requestArbitraries, send, type FuzzRequest } from '../support/fuzz';
import { startTestServer } from '../support/server';

/**
 * Property: no request generated from /api/openapi.json — valid, hostile or nonsense — gets a 500, a
 * stack trace, or takes longer than the request time limit. Seeded and bounded for CI
 * (HARMGRID_FUZZ_RUNS per operation, default 12); `npm run bench` runs many more.
 */
const RUNS = Number(process.env.HARMGRID_FUZZ_RUNS || 12);
const SEED = Number(process.env.HARMGRID_FUZZ_SEED || 20261203);
const LIMIT_S = 20;

let server: RunningServer;
let operations: ReturnType<typeof requestArbitraries> = [];

beforeAll(async () => {
  process.env.HARMGRID_REQUEST_TIMEOUT_S = String(LIMIT_S);
  process.env.HARMGRID_RATE_LIMIT_PER_MIN = '0'; // the fuzzer is one client sending thousands of heavy requests
  server = await startTestServer(['2021-08', '2021-09']);
  const doc = await (await fetch(`${server.url}/api/openapi.json`)).json();
  operations = requestArbitraries(doc);
}, 600_000);
afterAll(async () => {
  await server?.close();
  delete process.env.HARMGRID_REQUEST_TIMEOUT_S;
  delete process.env.HARMGRID_RATE_LIMIT_PER_MIN;
});

describe(`fuzzing every operation of the OpenAPI document (${dbLabel})`, () => {
  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThan(50);
  });

  it(`answers every generated request without a 500, a stack trace or going over ${LIMIT_S} s`, async () => {
    const failures: string[] = [];
    let sent = 0;
    const statuses = new Map<number, number>();
    for (const op of operations) {
      await fc
        .assert(
          fc.asyncProperty(op.arbitrary, async (r: FuzzRequest) => {
            const { status, text, ms } = await send(server.url, r);
            sent += 1;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            const bad =
              status >= 500 && status !== 503 ? `status ${status}` : STACK_TRACE.test(text) ? 'a stack trace' : ms > (LIMIT_S + 5) * 1000 ? `${ms} ms` : null;
            if (bad) failures.push(`${op.name} → ${bad}: ${JSON.stringify(r).slice(0, 300)} → ${text.slice(0, 200)}`);
            return bad === null;
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        )
        .catch(() => {});
    }
    console.log(
      `fuzz (${dbLabel}): ${sent} requests over ${operations.length} operations, ${failures.length} failures; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
    );
    // The fuzzer must reach the handlers, not only the validators.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(sent / 20);
    expect(failures).toEqual([]);
  }, 1_800_000);
});
