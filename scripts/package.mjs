// `npm run package`: builds aios and packages it with electron-builder into
// dist/linux-unpacked/ (Electron binary `aios-app`, launcher `aios`), with the
// fuses of electron-builder.yml flipped. electron-builder needs the Electron
// binary for this platform; this script first checks that it can be had and
// says so in one sentence when it cannot.
//   node scripts/package.mjs [--dry-run]
// Sources tried, in order: $AIOS_ELECTRON_DIST (an unpacked Electron), the
// electron package's own dist/, a zip in the Electron cache
// ($ELECTRON_CACHE or ~/.cache/electron), the download host ($ELECTRON_MIRROR
// or GitHub).
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dryRun = process.argv.includes('--dry-run');
const env = process.env;
const arch = process.arch === 'x64' || process.arch === 'arm64' || process.arch === 'armv7l' ? process.arch : 'x64';

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findCachedZip(dir, name, depth = 2) {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return p;
    if (entry.isDirectory() && depth > 0) {
      const found = findCachedZip(p, name, depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}

async function reachable(url) {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
    return { ok: res.ok, why: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, why: err.cause?.code ?? err.cause?.message ?? err.message };
  }
}

/** Where electron-builder will get Electron from, or why it cannot. */
async function electronSource(version) {
  if (env.AIOS_ELECTRON_DIST) {
    return executable(join(env.AIOS_ELECTRON_DIST, 'electron'))
      ? { ok: true, dist: env.AIOS_ELECTRON_DIST, how: `$AIOS_ELECTRON_DIST (${env.AIOS_ELECTRON_DIST})` }
      : { ok: false, why: `$AIOS_ELECTRON_DIST is ${env.AIOS_ELECTRON_DIST}, which holds no executable \`electron\`` };
  }
  const dist = join(root, 'node_modules', 'electron', 'dist');
  if (executable(join(dist, 'electron'))) return { ok: true, dist, how: `the installed electron package (${dist})` };
  const zip = `electron-v${version}-linux-${arch}.zip`;
  const cache = env.ELECTRON_CACHE || join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'electron');
  const cached = findCachedZip(cache, zip);
  if (cached) return { ok: true, how: `the Electron cache (${cached})` };
  const mirror = (env.ELECTRON_MIRROR || 'https://github.com/electron/electron/releases/download/').replace(/\/?$/, '/');
  const url = `${mirror}v${version}/${zip}`;
  const probe = await reachable(url);
  if (probe.ok) return { ok: true, how: `the download host (${url})` };
  return {
    ok: false,
    why: `${dist} is missing, no ${zip} is cached in ${cache}, and the download host cannot be reached (${url}: ${probe.why}); set AIOS_ELECTRON_DIST to an unpacked Electron ${version} for linux-${arch}, or put ${zip} in ${cache}`,
  };
}

function run(cmd, args) {
  process.stdout.write(`$ ${[cmd, ...args].join(' ')}\n`);
  if (dryRun) return;
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    process.stderr.write(`aios package: \`${[cmd, ...args].join(' ')}\` failed (exit ${res.status ?? res.signal}).\n`);
    process.exit(1);
  }
}

const version = electronVersion();
if (!version) {
  process.stderr.write('aios package: cannot package, because the electron package is not installed (run npm install).\n');
  process.exit(1);
}
const source = await electronSource(version);
if (!source.ok) {
  process.stderr.write(`aios package: cannot package, because the Electron ${version} binary cannot be had: ${source.why}.\n`);
  process.exit(1);
}
process.stdout.write(`aios package: Electron ${version} from ${source.how}.\n`);
const bin = (name) => join(root, 'node_modules', '.bin', name);
run(bin('electron-vite'), ['build', '--logLevel', 'warn']);
run(process.execPath, [join(root, 'scripts', 'check-bundles.mjs')]);
run(bin('electron-builder'), [
  '--linux',
  'dir',
  `--${arch}`,
  '--config',
  'electron-builder.yml',
  '--publish',
  'never',
  ...(source.dist ? [`-c.electronDist=${source.dist}`] : []),
]);
if (!dryRun) {
  const out = join(root, 'dist', arch === 'x64' ? 'linux-unpacked' : `linux-${arch}-unpacked`);
  const launcher = join(out, 'aios');
  if (!existsSync(launcher) || !existsSync(join(out, 'aios-app'))) {
    process.stderr.write(`aios package: electron-builder finished but ${launcher} or ${join(out, 'aios-app')} is missing.\n`);
    process.exit(1);
  }
  chmodSync(launcher, 0o755);
  process.stdout.write(`aios package: built ${out}; start it with ${launcher} [--kiosk].\n`);
}
