import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Starts Kafka (and checks PostgreSQL, Mosquitto, socat) once per run: `bondtrack services up`.
    globalSetup: ['tests/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default', './tests/summary-reporter.ts'],
  },
});
