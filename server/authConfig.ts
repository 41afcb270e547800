/** Sign-in, session, host and audit settings, from the environment (README "Security and access"). */
export interface OidcConfig {
  /** Issuer URL; for Microsoft Entra ID https://login.microsoftonline.com/<tenant id>/v2.0 */
  issuer: string;
  clientId: string;
  /** Confidential client secret; unset → a public client (PKCE only). */
  clientSecret: string | undefined;
  /** Where the provider sends the browser back; default <public URL>/api/auth/oidc/callback. */
  redirectUrl: string | undefined;
  scopes: string;
  /** ID-token claim holding harmgrid role names (Entra ID app roles arrive in "roles"). */
  roleClaim: string;
  /** ID-token claim holding the user's force identifiers, when the provider sends them. */
  forcesClaim: string;
  /** Label of the sign-in button. */
  label: string;
}

export interface AuthConfig {
  /** The address users type, e.g. https://harmgrid.example.org (env HARMGRID_PUBLIC_URL). */
  publicUrl: string | undefined;
  /** Host names the service answers to (env HARMGRID_ALLOWED_HOSTS, comma-separated, plus the public URL's host). */
  allowedHosts: string[];
  /** Behind a TLS-terminating proxy: trust its X-Forwarded-* headers (env HARMGRID_TRUST_PROXY=1). */
  trustProxy: boolean;
  sessionHours: number;
  sessionIdleMinutes: number;
  /** Failed sign-ins allowed per user name (and 4× per address) within the window before sign-in is refused. */
  throttleFailures: number;
  throttleWindowMinutes: number;
  tokenMaxDays: number;
  auditRetentionDays: number;
  oidc: OidcConfig | undefined;
}

function positive(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a whole number of at least 1; got "${raw}"`);
  return v;
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const publicUrl = env.HARMGRID_PUBLIC_URL || undefined;
  let publicHost: string[] = [];
  if (publicUrl) {
    try {
      publicHost = [new URL(publicUrl).hostname.toLowerCase()];
    } catch {
      throw new Error(`HARMGRID_PUBLIC_URL must be a full address such as https://harmgrid.example.org; got "${publicUrl}"`);
    }
  }
  const listed = (env.HARMGRID_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const issuer = env.HARMGRID_OIDC_ISSUER || undefined;
  const clientId = env.HARMGRID_OIDC_CLIENT_ID || undefined;
  if (Boolean(issuer) !== Boolean(clientId)) throw new Error('single sign-on needs both HARMGRID_OIDC_ISSUER and HARMGRID_OIDC_CLIENT_ID');
  return {
    publicUrl,
    allowedHosts: [...new Set([...publicHost, ...listed])],
    trustProxy: env.HARMGRID_TRUST_PROXY === '1',
    sessionHours: positive('HARMGRID_SESSION_HOURS', 12, env),
    sessionIdleMinutes: positive('HARMGRID_SESSION_IDLE_MINUTES', 60, env),
    throttleFailures: positive('HARMGRID_SIGNIN_MAX_FAILURES', 5, env),
    throttleWindowMinutes: positive('HARMGRID_SIGNIN_WINDOW_MINUTES', 15, env),
    tokenMaxDays: positive('HARMGRID_TOKEN_MAX_DAYS', 365, env),
    auditRetentionDays: positive('HARMGRID_AUDIT_RETENTION_DAYS', 2192, env),
    oidc:
      issuer && clientId
        ? {
            issuer,
            clientId,
            clientSecret: env.HARMGRID_OIDC_CLIENT_SECRET || undefined,
            redirectUrl: env.HARMGRID_OIDC_REDIRECT_URL || undefined,
            scopes: env.HARMGRID_OIDC_SCOPES || 'openid profile email',
            roleClaim: env.HARMGRID_OIDC_ROLE_CLAIM || 'roles',
            forcesClaim: env.HARMGRID_OIDC_FORCES_CLAIM || 'harmgrid_forces',
            label: env.HARMGRID_OIDC_LABEL || 'Sign in with your organisation account',
          }
        : undefined,
  };
}

/** Loopback interfaces and names: the only places single-user mode answers. */
export function isLoopback(hostOrAddress: string): boolean {
  const h = hostOrAddress
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/^::ffff:/, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
