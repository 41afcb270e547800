import { startServer } from './server';

/** `npm start`: the service on the configured database, sample data imported on first start. */
const running = await startServer().catch((err: Error) => {
  console.error(`harmgrid could not start: ${err.message}`);
  process.exit(1);
});
console.log(`harmgrid is running at ${running.url}  (API: ${running.url}/api/openapi.json)`);

// Close the embedded database cleanly on Ctrl-C or a stop signal; a second signal while closing is
// ignored, since killing PGlite mid-write can leave its folder unusable.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('harmgrid: stopping…');
  await running.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
