import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { AuthService } from '../../server/services/auth';
import { dbLabel } from '../support/db';
import { startTestServer } from '../support/server';

const CLIENT_SECRET = 'a-client-secret-for-the-local-test-provider-only';

/** The people the local identity provider knows, with the claims Entra ID would send (app roles in "roles"). */
const PEOPLE: Record<string, { name: string; roles?: string[]; harmgrid_forces?: string[] }> = {
  ana: { name: 'Ana Lyst', roles: ['analyst'], harmgrid_forces: ['E23000021'] },
  nobody: { name: 'No Role' },
  boss: { name: 'The Boss' },
};

/** A browser's cookie jar for one host name (cookies do not tell ports apart, so both servers share it). */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

describe(`Single sign-on (OpenID Connect, code + PKCE) against a local oidc-provider, on ${dbLabel}`, () => {
  let server: RunningServer;
  const idp = http.createServer();
  let issuer = '';

  /** Follows redirects as a browser would, carrying cookies, until a page answers. */
  async function browse(jar: Jar, url: string, init: RequestInit = {}): Promise<{ res: Response; url: string; text: string; trail: string[] }> {
    const trail: string[] = [];
    let current = url;
    let req: RequestInit = init;
    for (let i = 0; i < 20; i++) {
      trail.push(current);
      const res = await fetch(current, { ...req, redirect: 'manual', headers: { ...(req.headers as Record<string, string>), cookie: jar.header() } });
      jar.take(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).href;
        req = {};
        continue;
      }
      return { res, url: current, text: await res.text(), trail };
    }
    throw new Error(`too many redirects: ${trail.join(' → ')}`);
  }

  /** Signs in at the provider's login and consent pages as `login`; returns harmgrid's answer. */
  async function signInAs(login: string, jar = new Jar()) {
    let page = await browse(jar, `${server.url}/api/auth/oidc/start?next=/api/auth/me`);
    const form = (p: typeof page, fields: Record<string, string>) => {
      const action = /<form[^>]*action="([^"]+)"/.exec(p.text)?.[1];
      if (!action) throw new Error(`no form at ${p.url}: ${p.text.slice(0, 300)}`);
      return browse(jar, new URL(action, p.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    };
    const authorize = page.trail.find((u) => u.startsWith(`${issuer}/auth?`))!;
    page = await form(page, { prompt: 'login', login, password: 'any' });
    if (page.url.startsWith(issuer)) page = await form(page, { prompt: 'consent' });
    return { ...page, jar, authorize, callback: page.trail.find((u) => u.includes('/api/auth/oidc/callback')) };
  }

  beforeAll(async () => {
    idp.listen(0, '127.0.0.1');
    await once(idp, 'listening');
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    server = await startTestServer(['2019-10'], {
      buildWeb: false,
      auth: {
        oidc: {
          issuer,
          clientId: 'harmgrid',
          clientSecret: CLIENT_SECRET,
          redirectUrl: undefined,
          scopes: 'openid profile email',
          roleClaim: 'roles',
          forcesClaim: 'harmgrid_forces',
          label: 'Sign in with the test provider',
        },
      },
    });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'harmgrid',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${server.url}/api/auth/oidc/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      pkce: { required: () => true },
      // Put the scope's claims in the ID token, as Entra ID does with app roles.
      conformIdTokenClaims: false,
      claims: { openid: ['sub', 'roles', 'harmgrid_forces'], profile: ['name'], email: ['email', 'email_verified'] },
      findAccount: async (_ctx: unknown, id: string) =>
        PEOPLE[id]
          ? {
              accountId: id,
              claims: async () => ({ sub: id, email: `${id}@example.org`, email_verified: true, ...PEOPLE[id] }),
            }
          : undefined,
    } as never);
    idp.on('request', provider.callback());
  });
  afterAll(async () => {
    await server?.close();
    idp.close();
  });

  it('signs a user in end to end: PKCE S256, state and nonce, role and forces from the ID token, a database session', async () => {
    expect((await fetch(`${server.url}/api/auth/me`)).status).toBe(401); // single sign-on configured: no single-user mode
    const signedIn = await signInAs('ana');
    const authorize = new URL(signedIn.authorize);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(signedIn.url).toBe(`${server.url}/api/auth/me`);
    expect(signedIn.res.status).toBe(200);
    expect(JSON.parse(signedIn.text)).toMatchObject({ name: 'Ana Lyst', role: 'analyst', forces: ['E23000021'], via: 'session' });

    const auth = new AuthService(server.db, server.config.auth);
    const user = (await auth.users.byUsername('ana@example.org'))!;
    expect(user).toMatchObject({ oidcIssuer: issuer, oidcSubject: 'ana', passwordHash: null });
    expect((await auth.audit.list({ action: 'sign-in' })).at(-1)).toMatchObject({ actor: 'Ana Lyst', detail: expect.objectContaining({ method: 'oidc' }) });

    // The provider's answer is good once: replaying the callback is refused.
    const replay = await fetch(signedIn.callback!, { redirect: 'manual', headers: { cookie: signedIn.jar.header() } });
    expect(replay.status).toBe(401);
  });

  it('refuses a person with no harmgrid role, and links one an administrator created by e-mail', async () => {
    const refused = await signInAs('nobody');
    expect(refused.res.status).toBe(403);
    expect(JSON.parse(refused.text).error.message).toMatch(/has no harmgrid role/);

    const auth = new AuthService(server.db, server.config.auth);
    await auth.createUser({ username: 'boss@example.org', displayName: 'The Boss', role: 'administrator', forces: 'all' }, null);
    const boss = await signInAs('boss');
    expect(JSON.parse(boss.text)).toMatchObject({ role: 'administrator', forces: 'all' });
    expect(await auth.users.byUsername('boss@example.org')).toMatchObject({ oidcSubject: 'boss' });
  });

  it('refuses a callback without the flow cookie it started with (login CSRF)', async () => {
    const res = await fetch(`${server.url}/api/auth/oidc/callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.message).toMatch(/expired or was already used/);
  });
});
