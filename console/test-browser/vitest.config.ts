import { defineConfig } from 'vitest/config';

/** `npm run test:console`: the console in Debian's Chromium. Kept apart so `npm test` needs no browser. */
export default defineConfig({
  test: {
    include: ['console/test-browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
