import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FuseState, FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import { listPackage } from '@electron/asar';
import { PlatformPackager } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronArgs } from '../../src/hosts/cli/app';

const root = path.resolve(import.meta.dirname, '..', '..');
const node = process.execPath;
let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-pack-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function builderConfig() {
  const config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema, with asar, the unpacked native modules and the launcher as extra file', async () => {
    const config = await builderConfig();
    expect(config.asar).toBe(true);
    expect(config.files).toEqual([{ filter: expect.arrayContaining(['out/**', 'package.json', 'cfg/**']) }]);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['node_modules/better-sqlite3/**', 'node_modules/node-pty/**']));
    expect(config.linux).toMatchObject({
      target: ['dir'],
      executableName: 'aios-app',
      extraFiles: [{ from: 'scripts/aios-launcher.sh', to: 'aios' }],
    });
    expect(fs.statSync(path.join(root, 'scripts', 'aios-launcher.sh')).mode & 0o111).not.toBe(0);
  });

  it('holds the fuse values', async () => {
    const config = await builderConfig();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
      enableEmbeddedAsarIntegrityValidation: false,
    });
  });

  it('flips those fuses in a binary the way electron-builder does', async () => {
    const config = await builderConfig();
    // electron-builder's own translation of the yml into an @electron/fuses config.
    const generate = (PlatformPackager.prototype as unknown as { generateFuseConfig(f: unknown): Promise<FuseConfig> }).generateFuseConfig;
    const fuseConfig = await generate.call(undefined, config.electronFuses);
    expect(fuseConfig.version).toBe(FuseVersion.V1);
    // A stand-in binary: the sentinel, wire version 1, nine fuses as Electron ships them.
    const binary = path.join(tmp, 'electron');
    const shipped = [1, 0, 1, 1, 0, 0, 0, 1, 1].map((b) => (b ? FuseState.ENABLE : FuseState.DISABLE));
    fs.writeFileSync(
      binary,
      Buffer.concat([
        Buffer.alloc(4096, 7),
        Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
        Buffer.from([1, shipped.length, ...shipped]),
        Buffer.alloc(4096, 7),
      ]),
    );
    await flipFuses(binary, fuseConfig);
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
  });
});

/**
 * A stand-in for the Electron binary (the real one cannot be downloaded
 * here): a shell script carrying Electron's fuse wire, nine fuses in their
 * shipped states, so electron-builder's fuse step has something to flip.
 */
function standInElectronDist(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const shipped = [1, 0, 1, 1, 0, 0, 0, 1, 1].map((b) => (b ? FuseState.ENABLE : FuseState.DISABLE));
  const script = Buffer.from('#!/bin/sh\necho "stand-in electron $*"\nexit 0\n');
  fs.writeFileSync(
    path.join(dir, 'electron'),
    Buffer.concat([
      script,
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, shipped.length, ...shipped]),
      Buffer.from('\n'),
    ]),
    { mode: 0o755 },
  );
}

describe('electron-builder on this config, with a stand-in Electron binary', () => {
  it('packages a Linux dir: aios-app with the fuses flipped, the launcher, the built app in app.asar and the native modules beside it', async () => {
    if (!fs.existsSync(path.join(root, 'out', 'main', 'index.js'))) {
      execFileSync(node, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'error'], {
        cwd: root,
        stdio: 'ignore',
      });
    }
    const dist = path.join(tmp, 'stand-in-electron');
    standInElectronDist(dist);
    const output = path.join(tmp, 'packaged');
    const res = spawnSync(
      path.join(root, 'node_modules', '.bin', 'electron-builder'),
      [
        '--linux',
        'dir',
        `--${process.arch === 'arm64' ? 'arm64' : 'x64'}`,
        '--config',
        'electron-builder.yml',
        '--publish',
        'never',
        `-c.electronDist=${dist}`,
        `-c.directories.output=${output}`,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ELECTRON_CACHE: path.join(tmp, 'cache') },
        timeout: 240_000,
      },
    );
    expect(res.status, res.stderr + res.stdout).toBe(0);
    const app = path.join(output, 'linux-unpacked');
    // The launcher and the renamed binary, both executable; the launcher starts the binary beside it.
    expect(fs.statSync(path.join(app, 'aios')).mode & 0o111).not.toBe(0);
    expect(
      execFileSync(path.join(app, 'aios'), ['--kiosk'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' }),
    ).toBe('stand-in electron --kiosk\n');
    const wire = await getCurrentFuseWire(path.join(app, 'aios-app'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    // The app: every built file of out/ in the archive, no source maps, the native modules unpacked.
    const listed = new Set(listPackage(path.join(app, 'resources', 'app.asar'), { isPack: false }));
    const built = fs
      .readdirSync(path.join(root, 'out'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.map'));
    for (const f of built)
      expect(listed.has(`/${path.relative(root, path.join(f.parentPath, f.name)).split(path.sep).join('/')}`), f.name).toBe(true);
    expect(listed.has('/package.json')).toBe(true);
    expect([...listed].some((f) => f.endsWith('.map'))).toBe(false);
    for (const native of ['better-sqlite3', 'node-pty'])
      expect(fs.existsSync(path.join(app, 'resources', 'app.asar.unpacked', 'node_modules', native, 'package.json')), native).toBe(true);
  }, 300_000);
});

describe('the aios launcher of a packaged build', () => {
  it('starts aios-app beside it, adding the Wayland switch only under Wayland', () => {
    const dir = path.join(tmp, 'linux-unpacked');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(root, 'scripts', 'aios-launcher.sh'), path.join(dir, 'aios'));
    fs.chmodSync(path.join(dir, 'aios'), 0o755);
    fs.writeFileSync(path.join(dir, 'aios-app'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const base = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    expect(execFileSync(path.join(dir, 'aios'), ['--kiosk'], { env: base, encoding: 'utf8' })).toBe('--kiosk\n');
    expect(execFileSync(path.join(dir, 'aios'), ['--kiosk'], { env: { ...base, WAYLAND_DISPLAY: 'wayland-0' }, encoding: 'utf8' })).toBe(
      '--ozone-platform=wayland\n--kiosk\n',
    );
  });
});

describe('aios app command line', () => {
  it('adds the Wayland switch when WAYLAND_DISPLAY is set, and --kiosk from the flag or the config', () => {
    expect(electronArgs('/a/index.js', [], { env: {}, kioskFromConfig: false })).toEqual(['/a/index.js']);
    expect(electronArgs('/a/index.js', ['--kiosk'], { env: {}, kioskFromConfig: false })).toEqual(['/a/index.js', '--kiosk']);
    expect(electronArgs('/a/index.js', [], { env: { WAYLAND_DISPLAY: 'wayland-1' }, kioskFromConfig: true })).toEqual([
      '/a/index.js',
      '--ozone-platform=wayland',
      '--kiosk',
    ]);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function runPackage(env: Record<string, string>, args: string[] = []) {
  return spawnSync(node, [path.join(root, 'scripts', 'package.mjs'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run package', () => {
  it.skipIf(fs.existsSync(path.join(root, 'node_modules', 'electron', 'dist')))(
    'says in one sentence that the Electron binary cannot be had, and fails',
    async () => {
      const res = runPackage({ ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`, ELECTRON_CACHE: path.join(tmp, 'cache') });
      expect(res.status).toBe(1);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^aios package: cannot package, because the Electron \d+\.\d+\.\d+ binary cannot be had: .*download host cannot be reached.*AIOS_ELECTRON_DIST.*\.$/,
      );
      expect(res.stdout).not.toContain('electron-builder');
    },
  );

  it('refuses an AIOS_ELECTRON_DIST without an electron executable', () => {
    const empty = path.join(tmp, 'empty-dist');
    fs.mkdirSync(empty, { recursive: true });
    const res = runPackage({ AIOS_ELECTRON_DIST: empty });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`$AIOS_ELECTRON_DIST is ${empty}, which holds no executable \`electron\``);
  });

  it('with a usable Electron it builds, checks the bundles, then runs electron-builder with the yml (dry run)', () => {
    const dist = path.join(tmp, 'dist');
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    const res = runPackage({ AIOS_ELECTRON_DIST: dist }, ['--dry-run']);
    expect(res.status).toBe(0);
    const commands = res.stdout.split('\n').filter((l) => l.startsWith('$ '));
    expect(commands).toHaveLength(3);
    expect(commands[0]).toContain('electron-vite build');
    expect(commands[1]).toContain('check-bundles.mjs');
    expect(commands[2]).toMatch(/electron-builder --linux dir --\w+ --config electron-builder\.yml --publish never -c\.electronDist=/);
  });
});

describe('check-bundles', () => {
  function bundle(name: string, main: string, preload = 'module.exports = {};') {
    const out = path.join(tmp, name, 'out');
    fs.mkdirSync(path.join(out, 'main', 'chunks'), { recursive: true });
    fs.mkdirSync(path.join(out, 'preload'), { recursive: true });
    fs.writeFileSync(path.join(out, 'main', 'chunks', 'index.js'), `const a = 1;\n${main}\n`);
    fs.writeFileSync(path.join(out, 'preload', 'index.cjs'), preload);
    return out;
  }
  const check = (out: string) => spawnSync(node, [path.join(root, 'scripts', 'check-bundles.mjs'), '--out', out], { encoding: 'utf8' });

  it('passes safe settings, in source and minified spelling', () => {
    const res = check(
      bundle(
        'clean',
        'new BrowserWindow({webPreferences:{contextIsolation:!0,sandbox:!0,nodeIntegration:!1,webviewTag:false,webSecurity:true}});\nif (o.sandbox === false) throw 1;',
      ),
    );
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it.each([
    ['nodeIntegration: true', 'nodeIntegration: true'],
    ['nodeIntegration:!0', 'nodeIntegration: true'],
    ['"nodeIntegrationInWorker":true', 'nodeIntegration: true'],
    ['prefs.nodeIntegrationInSubFrames = true', 'nodeIntegration: true'],
    ['contextIsolation: false', 'contextIsolation: false'],
    ['contextIsolation:!1', 'contextIsolation: false'],
    ['sandbox:!1', 'sandbox: false'],
    ['webSecurity: false', 'webSecurity: false'],
    ['webviewTag:!0', 'webviewTag: true'],
    ['allowRunningInsecureContent: true', 'allowRunningInsecureContent: true'],
    ['experimentalFeatures:!0', 'experimentalFeatures: true'],
    ['enableRemoteModule: false', 'enableRemoteModule'],
    ["enableBlinkFeatures: 'X'", 'enableBlinkFeatures'],
    ["app.commandLine.appendSwitch('no-sandbox')", '--no-sandbox'],
    ["app.commandLine.appendSwitch('disable-web-security')", 'disable-web-security'],
  ])('fails on %s and names the file, line and setting', (code, setting) => {
    const res = check(bundle(`bad-${setting.replace(/\W/g, '')}-${code.length}`, code));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`main${path.sep}chunks${path.sep}index.js:2: forbidden setting ${setting}`);
  });

  it('scans the preload too', () => {
    const res = check(bundle('bad-preload', '', 'x={contextIsolation:false}'));
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(`preload${path.sep}index.cjs:1: forbidden setting contextIsolation: false`);
  });

  it('fails when there is no build to check', () => {
    const res = check(path.join(tmp, 'nothing-here'));
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('not found; build first');
  });
});
