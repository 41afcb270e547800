import { startServer } from './server';

/** `npm start`: the service on the configured database, sample data imported on first start. */
const running = await startServer().catch((err: Error) => {
  console.error(`harmgrid could not start: ${err.message}`);
  process.exit(1);
});
console.log(`harmgrid is running at ${running.url}  (API: ${running.url}/api/openapi.json)`);

const stop = async () => {
  await running.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
