/**
 * The Electron entry: hands the real electron module to the host. Everything
 * testable lives in host.ts and the modules it wires together.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// The default import reads `screen` and friends only when used: some electron
// modules refuse to be touched before the app is ready.
import electron from 'electron';
import { startElectronHost } from './host';
import { heldEnv, takeSecretsFromEnvironment } from '../../core/environment/held-secrets';

takeSecretsFromEnvironment();

const here = path.dirname(fileURLToPath(import.meta.url));

startElectronHost(electron, {
  argv: process.argv,
  // With the held secrets: the core host is forked with them and takes them out of its own environment at once.
  env: heldEnv(),
  preload: path.join(here, '../preload/index.cjs'),
  // ptys, SQLite and the policy parser run in a utility process, not here.
  coreProcess: { entry: path.join(here, 'core-host.js') },
});
