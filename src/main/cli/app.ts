import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from '../core/app-root';
import { findElectronBinary } from '../core/electron-binary';

const HELP = `Usage: aios app [--kiosk]

Opens the aios window in Electron (the default command).
  --kiosk   one frameless full-screen window (also: [ui] kiosk = true)`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const electron = findElectronBinary();
  if (!electron.found) {
    process.stderr.write(`aios app needs the Electron binary, and ${electron.reason}; run \`aios web\` to use aios in a browser instead.\n`);
    return 1;
  }
  const entry = path.join(appRoot(), 'out', 'main', 'index.js');
  if (!fs.existsSync(entry)) {
    process.stderr.write(`aios app: the app is not built (${entry} is missing); run \`npm run build\` first.\n`);
    return 1;
  }
  const extra = process.env.WAYLAND_DISPLAY ? ['--ozone-platform=wayland'] : [];
  const child = spawn(electron.binary, [entry, ...extra, ...args], { stdio: 'inherit' });
  return new Promise<number>((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`aios app: could not start Electron (${electron.binary}): ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
