/**
 * The entry of the core's Electron utility process (built as
 * out/main/core-host.js and started by the main process with
 * `utilityProcess.fork`). Everything testable lives in core-host.ts.
 */
import { runCoreHost } from './core-host';
import { heldEnv, takeSecretsFromEnvironment } from '../../core/environment/held-secrets';
import type { ParentPort } from '../../core/bridge/ports';

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  process.stderr.write('aios core host: start me from the aios app (utilityProcess.fork); there is no parent port here.\n');
  process.exit(2);
}
// The main process hands the provider key over in this process's environment: taken out of it at once.
takeSecretsFromEnvironment();
runCoreHost(parentPort, { env: heldEnv() });
