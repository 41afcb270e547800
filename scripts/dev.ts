/**
 * npm run dev: the service (restarting on change) and the web app with hot reload, together.
 * The web app is at http://127.0.0.1:5173 and forwards /api and /tiles to the service on PORT (8080).
 */
import { spawn } from 'node:child_process';

const children = [
  spawn('npx', ['tsx', 'watch', 'server/main.ts'], { stdio: 'inherit', env: { ...process.env, HARMGRID_SKIP_WEB_BUILD: '1' } }),
  spawn('npx', ['vite', '--config', 'web/vite.config.ts', '--host', '127.0.0.1'], { stdio: 'inherit' }),
];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const c of children)
  c.on('exit', (code) => {
    if (code) {
      console.error(`a dev process ended with code ${code}`);
      stop();
    }
  });
