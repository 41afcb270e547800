// Roles, kinds of access and who may use which: the policy every route is checked against
// (server/http/access.ts enforces it, server/http/api.ts shows it in the OpenAPI document).

/**
 * What a route does with the data. The kind decides who may call it (ACCESS_POLICY) and whether the
 * call is written to the audit trail (AUDITED_KINDS), so a route states it once, next to its schema.
 */
export const ACCESS_KINDS = [
  'anonymous', // sign-in itself and the health check: no identity needed
  'public', // reference data and metadata (boundaries, definitions, harm schemes)
  'self', // the caller's own session and API tokens
  'read', // aggregates: counts and harm per cell, hotspot statistics
  'write', // the workspace: zones, sites, indicators
  'site-review', // site reviews for designing out crime
  'record', // record-level reads: repeat-location addresses, streets with incidents
  'export', // downloads and printable pages of aggregates
  'record-export', // downloads and printable pages that list record-level rows
  'import', // loading files
  'definition', // changing serious-violence definitions and harm schemes
  'admin', // users, and the audit trail
] as const;
export type Access = (typeof ACCESS_KINDS)[number];

export const ROLES = ['administrator', 'analyst', 'partner', 'designing-out-crime-officer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who may use each kind of route unless the route names its own roles. */
export const ACCESS_POLICY: Record<Access, readonly Role[]> = {
  anonymous: ROLES,
  public: ROLES,
  self: ROLES,
  // A viewer sees public sources only; Api.add keeps viewers to routes that take `source` and narrows it.
  read: ROLES,
  write: ['administrator', 'analyst'],
  'site-review': ['administrator', 'analyst', 'designing-out-crime-officer'],
  record: ['administrator', 'analyst'],
  export: ['administrator', 'analyst', 'partner'],
  'record-export': ['administrator', 'analyst'],
  import: ['administrator'],
  definition: ['administrator'],
  admin: ['administrator'],
};

/** Kinds whose every successful call leaves one audit entry (exports, record-level reads, changes of data). */
export const AUDITED_KINDS: ReadonlySet<Access> = new Set<Access>(['site-review', 'record', 'export', 'record-export', 'import', 'definition']);

/** Kinds an API token may be scoped to (a token never signs anyone in or out). */
export const TOKEN_SCOPES = ACCESS_KINDS.filter((k) => k !== 'anonymous');

/** Roles that see only public sources (data.police.uk); see sourceSensitivity in sources.ts. */
export const PUBLIC_SOURCES_ONLY: ReadonlySet<Role> = new Set<Role>(['viewer']);

/** Who is asking: a signed-in user (session or API token), or the one local analyst of single-user mode. */
export interface Caller {
  /** null for the single-user mode's local analyst, who has no account. */
  userId: number | null;
  name: string;
  role: Role;
  /** The forces whose records the caller may see, or 'all'. */
  forces: string[] | 'all';
  via: 'session' | 'token' | 'single-user';
  /** For API tokens: the kinds of route the token may call. */
  scopes?: readonly Access[];
}

/**
 * Roles whose answers over restricted sources are protected by disclosure control (server/domain/disclosure.ts):
 * small counts shown as "<5", every figure a sum of randomly rounded cell × month units, no records.
 */
export const DISCLOSURE_CONTROLLED: ReadonlySet<Role> = new Set<Role>(['partner']);
