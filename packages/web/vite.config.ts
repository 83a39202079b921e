import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from './precompress.ts';

/**
 * Where `npm run dev` forwards API calls (a Plenum started with PUBLIC_URL set to the dev server's URL, so
 * login redirects come back here). In production the Plenum server serves the built bundle itself.
 */
const devApi = process.env.PLENUM_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP allows data: images only; keep every other asset a real file.
    assetsInlineLimit: 0,
    sourcemap: false,
    // dist/.vite/manifest.json: which chunks the first page loads (the build-output test sums them).
    manifest: true,
  },
  server: {
    proxy: {
      '/v1': devApi,
      '/auth': devApi,
      '/signaling': { target: devApi.replace(/^http/, 'ws'), ws: true },
    },
  },
});
