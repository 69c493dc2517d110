import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * The inner loop's tier (`npm run test:fast`): the unit tests, without the
 * suites that start ptys, containers, sandboxes, the bundled CLI or the
 * app's own child processes. `npm test` still runs everything.
 */
export const SLOW_TESTS = [
  // ptys, whole `aios chat` sessions and the terminal service
  'test/tty/**',
  'test/terminal/**',
  'test/web/web-limits.test.ts',
  'test/web/kiosk-session.test.ts',
  // bubblewrap, podman, docker, runc, systemd-nspawn and booted machines
  'test/nspawn/**',
  'test/jail/**',
  'test/executor/**',
  'test/preview/**',
  'test/agent/confined-unknown.test.ts',
  // crash, restart and damaged-file drills with real child processes
  'test/reliability/**',
  // the CLI through tsx or the bundle, several writer processes, the packager, the core's utility process
  'test/cli/**',
  'test/memory/cli.test.ts',
  'test/memory/concurrency.test.ts',
  'test/agent/flows.test.ts',
  'test/policy/bundle.test.ts',
  'test/policy/cli.test.ts',
  'test/policy/parser-exit.test.ts',
  'test/electron/packaging.test.ts',
  'test/electron/core-process.test.ts',
  'test/electron/approval-dialog.test.ts',
  'test/electron/host.test.ts',
  'test/environment/held-secrets.test.ts',
  'test/mcp/manager.test.ts',
  'test/mcp/memory-server.test.ts',
  'test/mcp/process-group.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: [...configDefaults.exclude, ...SLOW_TESTS] } }));
