import http from 'node:http';
import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KINDS, ACCESS_POLICY, ROLES, TOKEN_SCOPES, type Access, type Role } from '../../server/domain/roles';
import { startServer, type RunningServer } from '../../server/server';
import { AuthService } from '../../server/services/auth';
import { TEST_SCHEMA, dbLabel, onPostgres } from '../support/db';
import { dataDir, monthFile, readRows } from '../support/data';
import { startTestServer } from '../support/server';

const MONTH = '2019-10';
const PASSWORD = 'correct horse battery staple';

interface Operation {
  method: string;
  path: string;
  access: string;
  roles: Role[];
  audited: boolean;
}

describe(`Sign-in, roles and the audit trail on ${dbLabel}, real data ${MONTH}`, () => {
  let server: RunningServer;
  let auth: AuthService;
  const tokens = {} as Record<Role, string>;
  let operations: Operation[] = [];
  const [first] = readRows(monthFile(MONTH)).filter((r) => r.Latitude);
  const cell = latLngToCell(Number(first!.Latitude), Number(first!.Longitude), 9);

  const call = async (path: string, init: RequestInit & { token?: string; cookie?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.cookie) headers.set('cookie', init.cookie);
    const res = await fetch(server.url + path, { ...init, headers, redirect: 'manual' });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* CSV, HTML */
    }
    return { status: res.status, body, headers: res.headers, text };
  };
  const signIn = async (username: string, password: string) => {
    const res = await call('/api/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    return { ...res, cookie };
  };
  const rawGet = (path: string, host: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(server.url + path);
      http
        .get({ hostname: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        })
        .on('error', reject);
    });

  beforeAll(async () => {
    // The matrix calls hundreds of heavy routes from one address within a minute; the per-client rate
    // limit (tested in test/hardening) would answer 429 before the role check this file tests.
    process.env.HARMGRID_RATE_LIMIT_PER_MIN = '0';
    server = await startTestServer([MONTH], { buildWeb: false });
    delete process.env.HARMGRID_RATE_LIMIT_PER_MIN;
    auth = new AuthService(server.db, server.config.auth);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('single-user mode: on loopback with no accounts the local analyst needs no sign-in', async () => {
    const me = await call('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ via: 'single-user', role: 'administrator', forces: 'all', userId: null });
    expect((await call('/api/hotspots?resolution=8')).status).toBe(200);
  });

  it('refuses a cross-site text/plain POST to /api/imports (CSRF), from the Origin or Sec-Fetch-Site', async () => {
    const before = (await call('/api/imports')).body.imports.length;
    const attack = { method: 'POST', body: 'Crime ID,Month\nx,2019-10\n' };
    const fromOrigin = await call('/api/imports?name=evil.csv', { ...attack, headers: { 'content-type': 'text/plain', origin: 'http://attacker.example' } });
    expect(fromOrigin.status).toBe(403);
    expect(fromOrigin.body.error.message).toMatch(/cross-site POST refused/);
    const fromSite = await call('/api/imports?name=evil.csv', { ...attack, headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' } });
    expect(fromSite.status).toBe(403);
    expect((await call('/api/definitions', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body: '{}' })).status).toBe(403);
    expect((await call('/api/imports')).body.imports.length).toBe(before);
    // The same request from the site itself reaches the import (and is rejected for its content, not its origin).
    const own = await call('/api/imports?name=evil.csv', { ...attack, headers: { 'content-type': 'text/plain', origin: server.url } });
    expect([400, 422]).toContain(own.status);
  });

  it('refuses host names it was not configured for (DNS rebinding)', async () => {
    const port = new URL(server.url).port;
    expect(await rawGet('/health', `attacker.example:${port}`)).toBe(421);
    expect(await rawGet('/api/meta', `attacker.example:${port}`)).toBe(421);
    expect(await rawGet('/health', `localhost:${port}`)).toBe(200);
  });

  it('refuses to listen beyond loopback without accounts or single sign-on', async () => {
    await expect(
      startServer({
        host: '0.0.0.0',
        port: 0,
        quiet: true,
        autoImport: false,
        buildWeb: false,
        dataDir,
        ...(onPostgres ? { databaseUrl: `${process.env.DATABASE_URL}`, schema: TEST_SCHEMA } : { databaseUrl: '', pgliteDir: 'memory' }),
      }),
    ).rejects.toThrow(/single-user mode is for 127\.0\.0\.1 only/);
  });

  it('local accounts: scrypt hashes, database sessions in cookies; single-user mode ends with the first account', async () => {
    for (const role of ROLES) {
      const user = await auth.createUser(
        { username: `${role}@example.org`, role, forces: role === 'administrator' ? 'all' : ['E23000004'], password: PASSWORD },
        null,
      );
      expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
      tokens[role] = (
        await auth.createToken(
          { userId: user.id, name: role, role, forces: user.forces, via: 'session' },
          { name: 'matrix', scopes: [...TOKEN_SCOPES], days: 1 },
        )
      ).token;
    }
    await expect(auth.createUser({ username: 'short@example.org', role: 'viewer', forces: [], password: 'too short' }, null)).rejects.toThrow(
      /at least 12 characters/,
    );

    expect((await call('/api/auth/me')).status).toBe(401);
    expect((await call('/api/hotspots?resolution=8')).status).toBe(401);
    expect((await call('/health')).status).toBe(200);
    const page = await call('/');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/sign-in?next=%2F');
    expect((await call('/sign-in')).text).toMatch(/<form method="post" action="\/api\/auth\/sign-in">/);

    const s = await signIn('Analyst@example.org', PASSWORD);
    expect(s.status).toBe(200);
    expect(s.headers.get('set-cookie')).toMatch(/^harmgrid_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax$/);
    const stored = await server.db('user_session').select('id_hash');
    expect(stored.map((r) => r.id_hash)).not.toContain(s.cookie!.split('=')[1]); // only the hash is stored
    const me = await call('/api/auth/me', { cookie: s.cookie });
    expect(me.body).toMatchObject({ role: 'analyst', forces: ['E23000004'], via: 'session' });
    expect((await call('/api/hotspots?resolution=8', { cookie: s.cookie })).status).toBe(200);
    expect((await call('/api/users', { cookie: s.cookie })).status).toBe(403);
    // A session-authenticated change from another site is refused as in single-user mode.
    expect(
      (
        await call('/api/zones', {
          method: 'POST',
          cookie: s.cookie,
          headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
          body: '{}',
        })
      ).status,
    ).toBe(403);

    // The sign-in page's form: a redirect to where the user was going, or back to the page with the reason.
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url } };
    const fromForm = await call('/api/auth/sign-in', {
      ...form,
      body: new URLSearchParams({ username: 'viewer@example.org', password: PASSWORD, next: '/api/meta' }).toString(),
    });
    expect(fromForm.status).toBe(303);
    expect(fromForm.headers.get('location')).toBe('/api/meta');
    expect(fromForm.headers.get('set-cookie')).toMatch(/^harmgrid_session=/);
    const offSite = await call('/api/auth/sign-in', {
      ...form,
      body: new URLSearchParams({ username: 'viewer@example.org', password: 'wrong password!', next: '//attacker.example' }).toString(),
    });
    expect(offSite.headers.get('location')).toMatch(/^\/sign-in\?next=%2F&error=user%20name%20or%20password%20not%20recognised$/);

    expect((await call('/api/auth/sign-out', { method: 'POST', cookie: s.cookie })).status).toBe(200);
    expect((await call('/api/auth/me', { cookie: s.cookie })).status).toBe(401);
    const entries = await auth.audit.list({ action: 'sign-in' });
    expect(entries.map((e) => e.actor)).toEqual(['analyst@example.org', 'viewer@example.org']);
    expect(entries[0]).toMatchObject({
      role: 'analyst',
      via: 'session',
      target: 'user analyst@example.org',
      detail: { method: 'password', address: expect.any(String) },
    });
  });

  it('throttles failed sign-ins per user name, even with the right password, and says when to retry', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn('partner@example.org', `wrong password ${i}`)).status).toBe(401);
    const refused = await signIn('partner@example.org', PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(refused.body.error.message).toMatch(/too many failed sign-ins/);
    expect((await signIn('viewer@example.org', PASSWORD)).status).toBe(200); // other users are unaffected
    expect((await auth.audit.list({ action: 'sign-in-failed' })).length).toBe(6); // 5 here, 1 from the form above
  });

  it('API tokens: hashed, scoped to access kinds, expiring, revocable', async () => {
    const analyst = (await auth.users.byUsername('analyst@example.org'))!;
    const asAnalyst = { userId: analyst.id, name: analyst.displayName, role: analyst.role, forces: analyst.forces, via: 'session' as const };
    const readOnly = await auth.createToken(asAnalyst, { name: 'read only', scopes: ['read'], days: 30 });
    // The secret is all after hg_<id>_ (base64url, so it may itself hold "_"); only its hash is stored.
    const secretPart = readOnly.token.replace(/^hg_\d+_/, '');
    expect(secretPart).toHaveLength(43);
    expect((await server.db('api_token').where({ id: readOnly.record.id }).first()).secret_hash).not.toContain(secretPart);
    expect((await call('/api/hotspots?resolution=8', { token: readOnly.token })).status).toBe(200);
    const wrongScope = await call('/api/hotspots.csv?resolution=8', { token: readOnly.token });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.body.error.message).toMatch(/not scoped for export/);

    const expiring = await auth.createToken(asAnalyst, { name: 'expired', scopes: ['read'], days: 1 });
    await server
      .db('api_token')
      .where({ id: expiring.record.id })
      .update({ expires_at: new Date(Date.now() - 1000) });
    const expired = await call('/api/hotspots?resolution=8', { token: expiring.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);

    expect((await call(`/api/tokens/${readOnly.record.id}`, { method: 'DELETE', token: tokens.analyst })).status).toBe(200);
    expect((await call('/api/hotspots?resolution=8', { token: readOnly.token })).body.error.message).toMatch(/revoked/);
    expect((await call('/api/hotspots?resolution=8', { token: `${readOnly.token.slice(0, -1)}x` })).status).toBe(401);
    expect((await call('/api/hotspots?resolution=8', { token: 'not-a-token' })).status).toBe(401);
    await expect(auth.createToken(asAnalyst, { name: 'long', scopes: ['read'], days: 366 })).rejects.toThrow(/1 to 365 days/);
    await expect(auth.createToken({ ...asAnalyst, scopes: ['read'] }, { name: 'wider', scopes: ['export'], days: 1 })).rejects.toThrow(/wider than itself/);
  });

  it('role × route matrix from /api/openapi.json: every route declares its roles, and every role is allowed or refused exactly so', async () => {
    const doc = (await call('/api/openapi.json')).body;
    operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method, path, access: op['x-access'], roles: op['x-roles'], audited: op['x-audited'] })),
    );
    expect(operations.length).toBeGreaterThan(70);
    for (const op of operations) {
      expect(ACCESS_KINDS, `${op.method} ${op.path}`).toContain(op.access);
      expect(Array.isArray(op.roles) && op.roles.length > 0, `${op.method} ${op.path} declares roles`).toBe(true);
      expect(op.roles.every((r) => (ROLES as readonly string[]).includes(r))).toBe(true);
      // The kind's roles, except sites (edited by designing-out-crime officers too) and viewers on reads without a source choice.
      if (op.access !== 'read' && !(op.path.startsWith('/api/sites') && op.access === 'write'))
        expect(op.roles, `${op.method} ${op.path}`).toEqual([...ACCESS_POLICY[op.access as Access]]);
    }
    expect(doc.components.securitySchemes).toHaveProperty('token');
    const fill = (path: string) =>
      path.replace('{id}', '999999').replace('{cell}', cell).replace('{kind}', 'lsoa').replace('{code}', 'E01000000').replace('{key}', 'no-such-key');
    const results: string[] = [];
    let calls = 0;
    for (const op of operations) {
      for (const who of [...ROLES, null]) {
        const init: RequestInit & { token?: string } = { method: op.method.toUpperCase() };
        if (who) init.token = tokens[who];
        if (op.method !== 'get') Object.assign(init, { headers: { 'content-type': 'application/json' }, body: '{}' });
        const { status } = await call(fill(op.path), init);
        calls++;
        const allowed = op.access === 'anonymous' || (who !== null && op.roles.includes(who));
        const expected = allowed ? 'allowed' : who === null ? 401 : 403;
        const got = status === 401 || status === 403 ? status : 'allowed';
        if (got !== expected) results.push(`${op.method.toUpperCase()} ${op.path} as ${who ?? 'anonymous'}: expected ${expected}, got ${status}`);
      }
    }
    expect(results).toEqual([]);
    expect(calls).toBe(operations.length * (ROLES.length + 1));
    console.log(`role × route matrix: ${operations.length} routes × ${ROLES.length + 1} callers = ${calls} calls`);
  });

  it('a viewer sees public sources only', async () => {
    expect((await call('/api/cells?resolution=8', { token: tokens.viewer })).status).toBe(200);
    const restricted = await call('/api/cells?resolution=8&source=force-extract', { token: tokens.viewer });
    expect(restricted.status).toBe(403);
    expect(restricted.body.error.message).toMatch(/public sources only/);
    expect((await call('/api/zones', { token: tokens.viewer })).status).toBe(403);
  });

  it('every export and record-level read leaves exactly one audit entry, with the rows it sent, kept answers too', async () => {
    const KEPT = new Set([
      '/api/sites/{id}/review',
      '/api/sites/{id}/review.html',
      '/api/partnership-pack.html',
      '/api/backtest.html',
      '/api/repeat-locations',
    ]);
    const GEOJSON = new Set(['/api/repeat-locations', '/api/zones.geojson', '/api/sites.geojson']);
    const site = await call('/api/sites', {
      method: 'POST',
      token: tokens['designing-out-crime-officer'],
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'audit test site',
        bufferMetres: 300,
        geometry: { type: 'Point', coordinates: [Number(first!.Longitude), Number(first!.Latitude)] },
      }),
    });
    expect(site.status).toBe(201);
    const readsAndExports = operations.filter((op) => op.method === 'get' && ['record', 'export', 'record-export', 'site-review'].includes(op.access));
    expect(readsAndExports.length).toBeGreaterThanOrEqual(15);
    let answered = 0;
    for (const op of readsAndExports) {
      const path = op.path.replace('{id}', String(site.body.id)).replace('{key}', 'no-such-key');
      const before = await auth.audit.count();
      const res = await call(path, { token: tokens.analyst });
      const count = (await auth.audit.count()) - before;
      if (res.status === 200) {
        answered++;
        expect(count, `${op.path}`).toBe(1);
        const entry = (await auth.audit.list({ limit: 1 }))[0]!;
        expect(entry).toMatchObject({ actor: 'analyst@example.org', role: 'analyst', via: 'token', target: `GET ${path}` });
        expect(entry.action).toBe(op.access === 'record' || op.access === 'site-review' ? 'record-read' : 'export');
        if (res.headers.get('content-type')?.startsWith('text/csv')) expect(entry.rows, op.path).toBe(res.text.trimEnd().split('\r\n').length - 1);
        // Asked again: a kept answer (the site review, its printable page, the pack) is sent in full with
        // the same headers, and the read is audited again with the same rows.
        const again = await call(path, { token: tokens.analyst });
        expect(again.status, op.path).toBe(200);
        expect((await auth.audit.count()) - before, `${op.path} again`).toBe(2);
        expect((await auth.audit.list({ limit: 1 }))[0]!, `${op.path} again`).toMatchObject({ target: `GET ${path}`, rows: entry.rows });
        for (const h of ['content-type', 'content-security-policy', 'content-disposition'])
          expect(again.headers.get(h), `${op.path} ${h}`).toBe(res.headers.get(h));
        expect(again.headers.get('cache-control'), op.path).toBe('no-store');
        if (GEOJSON.has(op.path))
          expect([res.headers.get('content-type'), again.headers.get('content-type')], op.path).toEqual(
            Array(2).fill(expect.stringContaining('application/geo+json')),
          );
        expect(again.headers.get('x-answer-cache'), op.path).toBeNull();
        if (KEPT.has(op.path)) {
          expect([entry.detail?.answer, (await auth.audit.list({ limit: 1 }))[0]!.detail?.answer], op.path).toEqual(['computed', 'kept']);
          expect(again.text, op.path).toBe(res.text);
        }
      } else {
        expect(count, `${op.path} answered ${res.status}: no entry`).toBe(0);
      }
    }
    expect(answered).toBeGreaterThanOrEqual(readsAndExports.length - 3); // only the indicator routes lack an indicator
    const csv = await call('/api/hotspots.csv?resolution=8', { token: tokens.partner });
    expect(csv.status).toBe(200);
    const latest = (await auth.audit.list({ limit: 1 }))[0]!;
    expect(latest).toMatchObject({ action: 'export', role: 'partner', rows: csv.text.trimEnd().split('\r\n').length - 1 });
    expect(latest.rows).toBeGreaterThan(10);
  });

  it('retention keeps the chain verifiable through a checkpoint; a tampered entry is detected', async () => {
    expect((await call('/api/audit/verify', { token: tokens.administrator })).body).toMatchObject({ ok: true, firstBadSeq: null });
    const total = await auth.audit.count();
    const removed = await auth.audit.prune(new Date(Date.now() + 1000), 'test retention');
    expect(removed).toBe(total);
    await call('/api/repeat-locations.csv', { token: tokens.administrator });
    const afterPrune = (await call('/api/audit/verify', { token: tokens.administrator })).body;
    expect(afterPrune).toMatchObject({ ok: true, entries: 2 });
    expect(afterPrune.anchoredAtCheckpoint).not.toBeNull();
    const exported = await call('/api/audit.csv', { token: tokens.administrator });
    expect(exported.text.split('\r\n')[0]).toMatch(/^seq,at,userId,actor,role,via,action,target,rows,detail,prevHash,hash$/);

    const target = (await auth.audit.list({ action: 'export' })).at(-1)!;
    await expect(server.db.raw('UPDATE audit_entry SET rows = 1 WHERE seq = ?', [target.seq])).rejects.toThrow(/append-only/);
    await expect(server.db.raw('DELETE FROM audit_entry WHERE seq = ?', [target.seq])).rejects.toThrow(/append-only/);
    // Someone who can switch the trigger off (the database owner) can change a row, but not unseen.
    await server.db.raw('ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only');
    await server.db.raw('UPDATE audit_entry SET rows = 1 WHERE seq = ?', [target.seq]);
    await server.db.raw('ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only');
    const check = (await call('/api/audit/verify', { token: tokens.administrator })).body;
    expect(check).toMatchObject({ ok: false, firstBadSeq: target.seq });
    expect(check.reason).toMatch(/changed after it was written/);
    expect((await call('/api/audit/verify', { token: tokens.analyst })).status).toBe(403);
  });
});
