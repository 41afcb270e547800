import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config';
import { describeDb, migrate, openDb } from '../server/db/connection';
import { ROLES, TOKEN_SCOPES, type Access } from '../server/domain/roles';
import { AuthError, AuthService, callerFor } from '../server/services/auth';

/**
 * npm run users -- add USERNAME --role ROLE [--forces a,b | --forces all] [--name "Full Name"] [--password-stdin]
 * npm run users -- list
 * npm run users -- token USERNAME --scopes read,export --days 30
 * Accounts on the configured database; the first one ends single-user mode. A password is read from
 * standard input (never from the command line, which shells keep in their history).
 */
const USAGE = `usage:
  npm run users -- add USERNAME --role ${ROLES.join('|')} [--forces a,b|all] [--name "Full Name"] [--password-stdin]
  npm run users -- list
  npm run users -- token USERNAME --scopes ${TOKEN_SCOPES.slice(0, 3).join(',')},… --days N`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    role: { type: 'string' },
    forces: { type: 'string' },
    name: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    scopes: { type: 'string' },
    days: { type: 'string' },
    help: { type: 'boolean' },
  },
});
const [command, username] = positionals;
if (values.help || !command || (command !== 'list' && !username)) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 1);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const config = loadConfig();
const db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
let exitCode = 0;
try {
  await migrate(db);
  const auth = new AuthService(db, config.auth);
  const cli = {
    userId: null,
    name: `command line (${process.env.USER ?? 'unknown user'})`,
    role: 'administrator' as const,
    forces: 'all' as const,
    via: 'single-user' as const,
  };
  if (command === 'list') {
    for (const u of await auth.users.list())
      console.log(`${u.id}\t${u.username}\t${u.role}\t${u.forces === 'all' ? 'all' : u.forces.join(',')}${u.disabled ? '\tdisabled' : ''}`);
  } else if (command === 'add') {
    if (!values.role) throw new AuthError('invalid', `--role is required (${ROLES.join(', ')})`);
    const forces =
      !values.forces || values.forces === 'all'
        ? values.forces === 'all'
          ? 'all'
          : []
        : values.forces
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean);
    const password = values['password-stdin'] ? await readStdin() : undefined;
    const user = await auth.createUser(
      { username: username!, role: values.role, forces, ...(values.name ? { displayName: values.name } : {}), ...(password !== undefined ? { password } : {}) },
      cli,
    );
    console.log(
      `created ${user.username} (${user.role}) in ${describeDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir })}${password === undefined ? '; no password: single sign-on only' : ''}`,
    );
  } else if (command === 'token') {
    const user = await auth.users.byUsername(username!);
    if (!user) throw new AuthError('not-found', `no user ${username}`);
    const scopes = (values.scopes ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as Access[];
    const { token, record } = await auth.createToken(callerFor(user, 'session'), { name: `command line token`, scopes, days: Number(values.days ?? 30) });
    console.log(`token ${record.id} for ${user.username}, scopes ${record.scopes.join(',')}, expires ${record.expiresAt}; shown once:\n${token}`);
  } else {
    console.log(USAGE);
    exitCode = 1;
  }
} catch (e) {
  console.error(`users: ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
