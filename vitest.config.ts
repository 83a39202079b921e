import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Browser and Janus tests are heavy; two cores in CI.
    maxWorkers: 2,
    reporters: ['default', './scripts/totals-reporter.ts'],
  },
});
