import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // History recorders run only on request (RECORD_HISTORIES=1); see test/workflows/replay.test.ts.
    include: ['test/**/*.test.ts', ...(process.env.RECORD_HISTORIES === '1' ? ['test/**/*.record.ts'] : [])],
    globalSetup: ['test/global-setup.ts'],
    // 2 cores: one file at a time, each in its own process.
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
