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
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              // zod and its configuration in one chunk, configuration right after zod: every chunk with schemas
              // (shared or lazily loaded) imports this one, so `jitless` is set before any schema is created.
              // Left to automatic splitting, the shared chunk holding zod and the protocol schemas ran before the
              // entry's zodConfig.ts, zod probed with Function('') and Firefox reported the CSP violation.
              name: 'zod',
              test: /[\\/]node_modules[\\/]zod[\\/]|[\\/]src[\\/]zodConfig\.ts$/,
            },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/v1': devApi,
      '/auth': devApi,
      '/signaling': { target: devApi.replace(/^http/, 'ws'), ws: true },
    },
  },
});
