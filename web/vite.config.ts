import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web app is built into web/dist, which the Express server serves on the API's own port.
// `npm run dev` serves it with hot reload and forwards the API and tiles to the running service.
const api = `http://127.0.0.1:${process.env.PORT ?? 8080}`;
export default defineConfig({
  root: 'web',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': api, '/tiles': api, '/health': api } },
});
