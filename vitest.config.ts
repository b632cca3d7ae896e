import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/_helpers/global-setup.ts'],
    pool: 'forks',
    // Two cores: integration tests start real PostgreSQL clusters.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default', './test/_helpers/summary-reporter.ts'],
    // The pinned AWS SDK supports Node 20; its notice about future versions is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
