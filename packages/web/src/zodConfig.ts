import { z } from 'zod';

// Our CSP forbids eval. Without this, zod probes with Function('') while the schemas are created (at import),
// which Firefox reports as a CSP violation error on every page load. Imported first by main.tsx for that reason.
z.config({ jitless: true });
