// Two projects: `unit` (pure and in-process fault servers; no daemons, `npm run test:unit`) and
// `int` (*.int.test.ts against real daemons on loopback; its globalSetup installs and starts them
// with scripts/testbed.sh and stops them afterwards, and runs only when an int file is selected).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Files share the daemons (vsftpd-full admits one client, tests read daemon logs):
          // one int file at a time; tests inside a file may still be concurrent.
          fileParallelism: false,
        },
      },
    ],
  },
});
