import { defineConfig } from 'vitest/config';

/**
 * Unit tests need nothing; integration tests run against a real database: an embedded PGlite
 * always, and the PostgreSQL server at TEST_DATABASE_URL when it is set (the same tests twice).
 */
const integration = (name: string, kind: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name,
    include: ['tests/integration/**/*.test.ts'],
    env: { ESPER_TEST_DB: kind },
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    env: { ASTRO_TELEMETRY_DISABLED: '1', NODE_ENV: 'test' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      integration('integration-pglite', 'pglite'),
      ...(process.env.TEST_DATABASE_URL ? [integration('integration-postgres', 'postgres')] : []),
    ],
  },
});
