import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Temporal dev server and one workflow bundle for the whole run;
    // one throwaway PostgreSQL cluster for the registry's PostgreSQL backend.
    globalSetup: ['test/setup/temporal.ts', 'test/setup/postgres.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
