import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from '../../core/app-root';
import { formatProblem, loadConfig } from '../../core/config/load';
import type { Env } from '../../core/config/paths';
import { findElectronBinary } from '../../core/electron-binary';
import { describeLogs } from '../../core/log';
import { heldEnv } from '../../core/environment/held-secrets';
import { aiosCommand } from '../../core/aios-command';

const HELP = `Usage: aios app [--kiosk]

Opens the aios window in Electron (the default command).
  --kiosk   one frameless full-screen window without devtools (also: [ui] kiosk = true)

A window that is already open is brought forward instead of opening a second one.
Under Wayland ($WAYLAND_DISPLAY set) Electron runs natively.`;

const KNOWN = new Set(['--kiosk']);

/** The Electron command line: the app entry, the Wayland switch, the kiosk flag. */
export function electronArgs(entry: string, args: readonly string[], options: { env: Env; kioskFromConfig: boolean }): string[] {
  const out = [entry];
  if (options.env.WAYLAND_DISPLAY) out.push('--ozone-platform=wayland');
  const kiosk = args.includes('--kiosk') || options.kioskFromConfig;
  if (kiosk) out.push('--kiosk');
  return out;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const unknown = args.filter((a) => !KNOWN.has(a));
  if (unknown.length > 0) {
    process.stderr.write(`aios app: unknown option ${unknown.join(' ')}\n\n${HELP}\n`);
    return 2;
  }
  const loaded = loadConfig({ env: process.env });
  for (const problem of loaded.problems) process.stderr.write(`aios app: config: ${formatProblem(problem)}\n`);
  const electron = findElectronBinary();
  if (!electron.found) {
    process.stderr.write(
      `aios app needs the Electron binary, and ${electron.reason}; run \`${aiosCommand('web')}\` to use aios in a browser instead.\n`,
    );
    return 1;
  }
  const entry = path.join(appRoot(), 'out', 'main', 'index.js');
  if (!fs.existsSync(entry)) {
    process.stderr.write(`aios app: the app is not built (${entry} is missing); run \`npm run build\` first.\n`);
    return 1;
  }
  // Electron gets the held secrets back in its environment and takes them out of it as it starts (electron/main.ts).
  const child = spawn(electron.binary, electronArgs(entry, args, { env: process.env, kioskFromConfig: loaded.config.ui.kiosk }), {
    stdio: 'inherit',
    env: heldEnv(),
  });
  return new Promise<number>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`aios app: could not start Electron (${electron.binary}): ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      const status = code ?? (signal ? 128 : 1);
      if (status !== 0)
        process.stderr.write(`aios app: Electron exited with ${signal ?? `code ${code}`}; the log is ${describeLogs(loaded.paths).file}\n`);
      resolve(status);
    });
  });
}
