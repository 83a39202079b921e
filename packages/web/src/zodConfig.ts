import { z } from 'zod';

// Our CSP forbids eval. Without this, zod probes with Function('') while the schemas are created (at import),
// which Firefox reports as a CSP violation error on every page load. Imported first by main.tsx, and kept in the
// same chunk as zod by vite.config.ts (codeSplitting group `zod`) so it also runs before schemas in shared chunks.
z.config({ jitless: true });
