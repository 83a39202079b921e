import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time: the browser tests each run several Chromium pages encoding video against a
    // real Janus, and two of them side by side on CI's 2 cores made joins time out now and then.
    // Serial, the whole suite takes about 9 minutes.
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default', './scripts/totals-reporter.ts'],
  },
});
