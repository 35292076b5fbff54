// The console's build: `vite build console` (npm run console:build) writes console/dist, which
// the API serves at /console/ (api/routes/console). Everything is bundled; nothing loads from a CDN.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // a government office's browsers are recent Chromium, Edge or Firefox builds
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npx vite console` during development: the API (./scripts/start) behind the same origin
    proxy: { '/v1': 'http://127.0.0.1:3000', '/console/config.json': 'http://127.0.0.1:3000', '/console/demo-identities.json': 'http://127.0.0.1:3000' },
    fs: { allow: ['..'] },
  },
});
