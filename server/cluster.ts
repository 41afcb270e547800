import cluster from 'node:cluster';
import os from 'node:os';
import { startServer } from './server';

/**
 * `npm run start:cluster`: several stateless API nodes behind one port (Node's cluster module hands
 * each new connection to a worker in turn). HARMGRID_NODES sets how many (default: one per core).
 * Every node keeps its own answer cache and drops it when the database announces a new data version
 * (LISTEN/NOTIFY), so an import through any node, `npm run import` or a script is seen by all.
 * The first node brings the schema up to date and imports the sample data into an empty database;
 * the others start once it listens. HARMGRID_DB_SCHEMA names a PostgreSQL schema (tests).
 */
const nodes = Number(process.env.HARMGRID_NODES || os.availableParallelism());
if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`HARMGRID_NODES must be a whole number of at least 1; got "${process.env.HARMGRID_NODES}"`);
const schema = process.env.HARMGRID_DB_SCHEMA || undefined;

if (cluster.isPrimary) {
  if (!process.env.DATABASE_URL) {
    console.error('harmgrid: several nodes need one shared PostgreSQL database (DATABASE_URL); embedded PGlite serves one process');
    process.exit(1);
  }
  let stopping = false;
  const fork = (first: boolean) => cluster.fork(first ? {} : { HARMGRID_AUTO_IMPORT: '0', HARMGRID_SKIP_WEB_BUILD: '1' });
  const firstNode = fork(true);
  firstNode.once('message', (m: { listening?: string }) => {
    if (!m.listening) return;
    console.log(`harmgrid: ${nodes} node(s) at ${m.listening}`);
    for (let i = 1; i < nodes; i++) fork(false);
  });
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    console.error(`harmgrid: node ${worker.process.pid} exited (${code}); starting another`);
    fork(false);
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  const running = await startServer({ quiet: !!process.env.HARMGRID_QUIET, ...(schema ? { schema } : {}) }).catch((err: Error) => {
    console.error(`harmgrid node ${process.pid} could not start: ${err.message}`);
    process.exit(1);
  });
  process.send?.({ listening: running.url });
  process.on('SIGTERM', () => {
    void running.close().then(() => process.exit(0));
  });
}
