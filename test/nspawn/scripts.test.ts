import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/process';
import { makeTempDir, type TempDir } from '../support/temp';
import { gate, missingRequirement, nspawnDir } from './helpers';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-nspawn-');
});
afterEach(() => tmp.cleanup());

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: Record<string, string> = {}, prefix: string[] = []): Ran {
  const cmd = [...prefix, path.join(nspawnDir, script), ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), {
    encoding: 'utf8',
    cwd: tmp.path,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp.path, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Output with the run's own paths replaced by placeholders, for the goldens. */
function placeholders(text: string): string {
  return text.split(tmp.path).join('<TMP>').split(repoRoot).join('<REPO>');
}

function golden(name: string, actual: string): void {
  const file = path.join(import.meta.dirname, name);
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, actual);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

/** A tiny stand-in for aios-rootfs.tar.zst: a user `ai` with uid 1000 and a marker file. */
function makeRootfs(): string {
  const tree = tmp.join('rootfs-tree');
  fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/bash\nai:x:1000:1000::/home/ai:/bin/bash\n');
  fs.writeFileSync(path.join(tree, 'etc', 'aios-rootfs-marker'), 'built by the test\n');
  const out = tmp.join('aios-rootfs.tar.zst');
  const r = spawnSync('bash', ['-c', `tar -C "$1" -c . | zstd -q -o "$2"`, 'tar', tree, out], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

/**
 * PATH shims for systemctl and machinectl: this machine has no systemd as
 * PID 1, so they stand in for it and record each call (one line each) for
 * the test to check.
 */
function makeShims(): { dir: string; calls: () => string[] } {
  const dir = tmp.join('shims');
  const log = tmp.join('shim-calls.log');
  fs.mkdirSync(dir);
  for (const name of ['systemctl', 'machinectl', 'importctl']) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> '${log}'\n`, { mode: 0o755 });
  }
  return { dir, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []) };
}

/** Every file and folder under dir with its mode, owner and content hash. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string): void => {
    for (const entry of fs.readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, entry.name);
      const st = fs.lstatSync(full);
      const hash = entry.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex') : '';
      out[path.relative(dir, full)] = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${hash}`;
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

const scripts = ['aios', 'aios-session', 'aios-vnc', 'build-image', 'build-rootfs', 'install', 'install-files', 'lib.sh', 'publish-image', 'etc/aios-chat.sh'];

describe('the nspawn scripts', () => {
  it('pass shellcheck, every one of them', () => {
    // Every shell file in nspawn/ must be on the list, so a new one cannot slip past.
    const found: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/^(#!.*\b(ba)?sh\b|# shellcheck shell=)/.test(fs.readFileSync(full, 'utf8').split('\n')[0]!)) found.push(path.relative(nspawnDir, full));
      }
    };
    walk(nspawnDir);
    expect(found.sort()).toEqual([...scripts].sort());
    const r = spawnSync('shellcheck', ['-x', ...scripts.map((s) => path.join(nspawnDir, s))], { encoding: 'utf8' });
    if (r.error) throw new Error(`shellcheck could not run (${r.error.message}): apt-get install -y shellcheck`);
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the systemd units', () => {
  /**
   * A root holding the host's stock units plus ours, laid out by
   * install-files as build-rootfs does, so `systemd-analyze verify --root`
   * checks our units, the drop-ins on the stock getty units, and that every
   * ExecStart program exists in that root.
   */
  function unitRoot(): string {
    const root = tmp.join('unit-root');
    fs.mkdirSync(path.join(root, 'usr', 'lib', 'systemd'), { recursive: true });
    fs.mkdirSync(path.join(root, 'usr', 'sbin'), { recursive: true });
    fs.cpSync('/usr/lib/systemd/system', path.join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true, verbatimSymlinks: true });
    for (const l of ['bin', 'sbin', 'lib']) fs.symlinkSync(`usr/${l}`, path.join(root, l));
    fs.copyFileSync(fs.realpathSync('/sbin/agetty'), path.join(root, 'usr', 'sbin', 'agetty'));
    fs.chmodSync(path.join(root, 'usr', 'sbin', 'agetty'), 0o755);
    const r = runScript('install-files', [root]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return root;
  }
  const units = ['aios-kiosk.service', 'aios-vnc.service', 'console-getty.service', 'container-getty@1.service', 'getty@tty1.service'];

  it('pass systemd-analyze verify with no warning, drop-ins included', () => {
    const root = unitRoot();
    const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
    if (r.error) throw new Error(`systemd-analyze could not run (${r.error.message}): apt-get install -y systemd`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('would be caught by that check: a missing program and a drop-in typo', () => {
    const root = unitRoot();
    const vnc = path.join(root, 'etc/systemd/system/aios-vnc.service');
    fs.writeFileSync(vnc, fs.readFileSync(vnc, 'utf8').replace('/usr/lib/aios/aios-vnc', '/usr/lib/aios/not-there'));
    const missing = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'aios-vnc.service'], { encoding: 'utf8' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('/usr/lib/aios/not-there');
    fs.appendFileSync(path.join(root, 'etc/systemd/system/getty@.service.d/aios-autologin.conf'), 'Autologin=ai\n');
    const typo = spawnSync('systemd-analyze', ['verify', `--root=${root}`, 'getty@tty1.service'], { encoding: 'utf8' });
    expect(typo.stderr).toContain("Unknown key 'Autologin'");
  });

  it('log the kiosk user in on every text console and start the kiosk and VNC at boot', () => {
    for (const unit of ['console-getty.service.d', 'container-getty@.service.d', 'getty@.service.d']) {
      expect(fs.readFileSync(path.join(nspawnDir, 'units', unit, 'aios-autologin.conf'), 'utf8')).toMatch(/^ExecStart=-\/sbin\/agetty .*--autologin ai /m);
    }
    const kiosk = fs.readFileSync(path.join(nspawnDir, 'units', 'aios-kiosk.service'), 'utf8');
    expect(kiosk).toMatch(/^Restart=always$/m);
    expect(kiosk).toMatch(/^Environment=WLR_LIBINPUT_NO_DEVICES=1$/m);
    expect(kiosk).toMatch(/^User=ai$/m);
    expect(fs.readFileSync(path.join(nspawnDir, 'etc', 'wayvnc.config'), 'utf8')).toMatch(/^address=127\.0\.0\.1$/m);
  });
});

describe('build-rootfs', () => {
  it('--dry-run prints every step, needs no root, and matches the golden list', () => {
    const r = runScript('build-rootfs', ['--dry-run', '--work', '/var/tmp/aios-rootfs.test', '--out', '/srv/aios/aios-rootfs.tar.zst', '--app', '/src/aios', '--uid', '1000']);
    expect(r.stderr).toBe('build-rootfs: dry run: nothing was changed\n');
    expect(r.status).toBe(0);
    golden('build-rootfs.dry-run.golden', placeholders(r.stdout));
  });

  it('--distro debian --dry-run bootstraps this host\'s release from its apt sources and copies the built app with its own Node', () => {
    const r = runScript('build-rootfs', ['--dry-run', '--distro', 'debian', '--work', '/var/tmp/aios-rootfs.test', '--out', '/srv/aios/aios-rootfs.tar.zst', '--app', '/src/aios']);
    expect(r.stderr).toBe('build-rootfs: dry run: nothing was changed\n');
    expect(r.status).toBe(0);
    const steps = r.stdout.split('\n');
    const mmdebstrap = steps.find((l) => l.startsWith('+ mmdebstrap '));
    expect(mmdebstrap).toMatch(/^\+ mmdebstrap --variant=apt --include=\S*systemd-sysv\S*sudo\S*cage\\,xwayland\\,wayvnc\\,chromium\S* \S+ \/var\/tmp\/aios-rootfs\.test\/root/);
    expect(steps).toContain("+ cd /src/aios && { npm ls --omit=dev --all --parseable 2>/dev/null | sed -n 's|^/src/aios/||p' | grep '^node_modules/' | sort -u | awk 'index($0, last \"/\") != 1 { print; last = $0 }'; echo node_modules/node; } | tar -C /src/aios -T - -c | tar -C /var/tmp/aios-rootfs.test/root/opt/aios -x");
    expect(steps).toContain('+ chroot /var/tmp/aios-rootfs.test/root useradd --create-home --uid 1000 --user-group --shell /bin/bash ai');
    expect(steps).toContain(`+ install -D -m 0440 ${nspawnDir}/etc/sudoers /var/tmp/aios-rootfs.test/root/etc/sudoers.d/aios`);
    expect(steps.some((l) => l.includes('pacstrap') || l.includes('arch-chroot'))).toBe(false);
  });

  it('refuses a bad --uid, an unknown --distro and an unknown option with a message', () => {
    expect(runScript('build-rootfs', ['--dry-run', '--distro', 'fedora']).stderr).toContain("--distro must be arch or debian, not 'fedora'");
    const r = runScript('build-rootfs', ['--dry-run', '--uid', 'ai']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--uid must be a number, not 'ai'");
    expect(runScript('build-rootfs', ['--frobnicate']).stderr).toContain('unknown argument --frobnicate');
  });
});

describe('build-image', () => {
  const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

  it('--dry-run (chat): a small root, three layers with fixed times, the image settings, a docker-archive', () => {
    const r = runScript('build-image', ['--dry-run', '--out', '/srv/aios/aios-image.tar']);
    expect(r.stderr).toBe('build-image: dry run: nothing was changed\n');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^\+ env SOURCE_DATE_EPOCH=\d+ mmdebstrap --variant=essential --include=bubblewrap\\,golang-github-containers-common\\,python3-seccomp\\,libstdc\+\+6 /m);
    expect(out).not.toMatch(/cage|chromium|wayvnc/);
    for (const line of ['FROM scratch', 'ADD os.tar /', 'ADD deps.tar /', 'ADD app.tar /', 'USER ai', 'WORKDIR /home/ai', 'VOLUME /home/ai/.config/syui/ai', 'CMD ["aios", "chat"]', `LABEL "org.opencontainers.image.version"="${version}"`, 'LABEL "org.opencontainers.image.licenses"="MIT"', 'LABEL "org.opencontainers.image.title"="aios"']) {
      expect(out.split('\n')).toContain(line);
    }
    expect(out).toMatch(/^\+ tar --hard-dereference --sort=name --mtime=@0 --owner=0 --group=0 .* --exclude=prebuilds\/win32-\* .*-cf \S+\/deps\.tar$/m);
    expect(out).toMatch(/^\+ podman build --timestamp 0 --tag aios:\S+ --file \S+\/Containerfile /m);
    expect(out.split('\n')).toContain(`+ podman save --format docker-archive --output /srv/aios/aios-image.tar aios:${version}`);
  });

  it('--dry-run --image machine: the root without /opt/aios, then the same two app layers; booted by /sbin/init', () => {
    const r = runScript('build-image', ['--dry-run', '--image', 'machine', '--rootfs', '/srv/aios/aios-rootfs.tar.zst']);
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^\+ zstd -dc \/srv\/aios\/aios-rootfs\.tar\.zst \| tar --delete --wildcards -f - '\.\/opt\/aios\/\*' > \S+\/os\.tar$/m);
    expect(out).not.toContain('mmdebstrap');
    expect(out.split('\n')).toEqual(expect.arrayContaining(['STOPSIGNAL SIGRTMIN+3', 'CMD ["/sbin/init"]', 'LABEL "org.opencontainers.image.title"="aios-machine"']));
    expect(out).toMatch(/^\+ podman save --format docker-archive --output \S+\/aios-machine-image\.tar aios-machine:\S+$/m);
    expect(runScript('build-image', ['--dry-run', '--image', 'machine']).stderr).toContain('which root filesystem? --rootfs FILE');
    expect(runScript('build-image', ['--dry-run', '--image', 'kiosk']).stderr).toContain("--image must be chat or machine, not 'kiosk'");
  });
});

describe('publish-image', () => {
  it('--dry-run pushes the version, then latest from the registry itself; a registry is required', () => {
    const r = runScript('publish-image', ['--dry-run', '--registry', '127.0.0.1:5000', '--insecure', '--archive', '/srv/none.tar']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining([
      '+ skopeo copy --src-tls-verify=false --dest-tls-verify=false docker-archive:/srv/none.tar docker://127.0.0.1:5000/aios:VERSION',
      '+ skopeo copy --src-tls-verify=false --dest-tls-verify=false docker://127.0.0.1:5000/aios:VERSION docker://127.0.0.1:5000/aios:latest',
    ]));
    expect(runScript('publish-image', ['--dry-run']).stderr).toContain('where to? --registry HOST[:PORT][/PATH]');
    expect(runScript('publish-image', ['--dry-run', '--registry', 'http://x']).stderr).toContain("--registry 'http://x' is not HOST[:PORT][/PATH]");
  });
});

describe('install --registry', () => {
  it('--containers-only writes the config folder and the podman short names, and no machine', () => {
    const root = '/var/tmp/aios-install-registry.test';
    const r = runScript('install', ['--dry-run', '--user', 'root', '--registry', '127.0.0.1:5000', '--containers-only'], { AIOS_ROOT: root });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`# 6. podman short names aios and aios-machine from 127.0.0.1:5000 (${root}/etc/containers/registries.conf.d/50-aios.conf)`);
    expect(r.stdout).toContain(`+ sed 's|@REGISTRY@|127.0.0.1:5000|g' ${nspawnDir}/etc/registries-aios.conf > ${root}/etc/containers/registries.conf.d/50-aios.conf`);
    expect(r.stdout).not.toMatch(/nspawn\/aios\.nspawn|machines|systemctl/);
    expect(runScript('install', ['--dry-run', '--user', 'root', '--registry', 'https://x/'], { AIOS_ROOT: root }).stderr).toContain("--registry 'https://x/' is not HOST[:PORT][/PATH]");
    expect(runScript('install', ['--dry-run', '--user', 'root', '--containers-only'], { AIOS_ROOT: root }).stderr).toContain('which registry?');
    const template = fs.readFileSync(path.join(nspawnDir, 'etc/registries-aios.conf'), 'utf8');
    expect(template).toMatch(/^\[aliases\]\n"aios" = "@REGISTRY@\/aios"\n"aios-machine" = "@REGISTRY@\/aios-machine"$/m);
  });
});

describe('install', () => {
  it('--dry-run on a fresh root prints the golden list of steps and changes nothing', () => {
    const root = tmp.join('root');
    fs.mkdirSync(root);
    const rootfs = makeRootfs();
    const r = runScript('install', ['--dry-run', '--user', 'root', '--rootfs', rootfs], { AIOS_ROOT: root });
    expect(r.stderr).toBe('install: dry run: nothing was changed\n');
    expect(r.status).toBe(0);
    golden('install.dry-run.golden', placeholders(r.stdout));
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('says it needs root when run by someone else, before touching anything', () => {
    const prefix = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    const r = runScript('install', ['--user', 'root'], { AIOS_ROOT: tmp.join('root') }, prefix);
    expect(r.stderr).toMatch(/^install: error: run as root: .*\(sudo .*install --user root\); --dry-run shows the steps without root\n$/);
    expect(r.status).toBe(1);
    expect(fs.existsSync(tmp.join('root'))).toBe(false);
  });

  it('says systemd-nspawn is missing when it is', () => {
    // A PATH with every host command except systemd-nspawn.
    const bin = tmp.join('bin');
    fs.mkdirSync(bin);
    for (const dir of ['/usr/local/bin', '/usr/bin', '/usr/sbin']) {
      for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
        if (name !== 'systemd-nspawn' && !fs.existsSync(path.join(bin, name))) fs.symlinkSync(path.join(dir, name), path.join(bin, name));
      }
    }
    const r = runScript('install', ['--dry-run', '--user', 'root'], { PATH: bin });
    expect(r.stderr).toMatch(/^install: error: systemd-nspawn is not installed, .*install systemd-container/);
    expect(r.status).toBe(1);
  });

  const requirement = missingRequirement(['zstd', 'tar'], true);
  const g = gate(requirement);
  describe.skipIf(g.skip)('for real into a temp root (AIOS_ROOT)', () => {
    it('installs everything, then again changes nothing but keeps an edited config.toml and writes config.toml.new', () => {
      g.check();
      const root = tmp.join('root');
      fs.mkdirSync(root);
      const rootfs = makeRootfs();
      const shims = makeShims();
      const env = { AIOS_ROOT: root, PATH: `${shims.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
      const cfg = path.join(root, 'root/.config/syui/ai');

      const first = runScript('install', ['--user', 'root', '--rootfs', rootfs], env);
      expect(first.status).toBe(0);
      // The dry run printed exactly what the real run does.
      golden('install.dry-run.golden', placeholders(first.stdout));
      expect(first.stderr).toContain("warning: the machine's user ai has uid 1000 but root is uid 0");
      expect(first.stderr).toContain('install: installed aios. Start: systemctl start systemd-nspawn@aios   Enter: machinectl login aios');
      expect(fs.statSync(cfg).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(cfg, 'gpt')).mode & 0o777).toBe(0o700);
      for (const name of ['config.toml', 'mcp.json']) {
        expect(fs.readFileSync(path.join(cfg, name), 'utf8')).toBe(fs.readFileSync(path.join(repoRoot, 'cfg', name), 'utf8'));
        expect(fs.statSync(path.join(cfg, name)).mode & 0o777).toBe(0o600);
      }
      const nspawn = fs.readFileSync(path.join(root, 'etc/systemd/nspawn/aios.nspawn'), 'utf8');
      expect(nspawn).not.toContain('%h');
      expect(nspawn).toMatch(/^Bind=\/root\/\.config\/syui\/ai:\/home\/ai\/\.config\/syui\/ai:idmap$/m);
      for (const line of ['Boot=yes', 'PrivateUsers=pick', 'ResolvConf=copy-host', 'Private=yes', 'VirtualEthernet=yes']) expect(nspawn).toMatch(new RegExp(`^${line}$`, 'm'));
      expect(fs.readFileSync(path.join(root, 'var/lib/machines/aios/etc/aios-rootfs-marker'), 'utf8')).toBe('built by the test\n');
      expect(shims.calls()).toEqual([`systemctl --root=${root} enable machines.target systemd-nspawn@aios.service`]);

      // A person edits config.toml; the installer runs again.
      const edited = `${fs.readFileSync(path.join(cfg, 'config.toml'), 'utf8')}\n# mine\n`;
      fs.writeFileSync(path.join(cfg, 'config.toml'), edited);
      const before = snapshot(root);
      const second = runScript('install', ['--user', 'root', '--rootfs', rootfs], env);
      expect(second.status).toBe(0);
      expect(second.stderr).toContain(`kept your ${cfg}/config.toml; the shipped version is in ${cfg}/config.toml.new`);
      expect(fs.readFileSync(path.join(cfg, 'config.toml'), 'utf8')).toBe(edited);
      const after = snapshot(root);
      const newFile = 'root/.config/syui/ai/config.toml.new';
      expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual([newFile]);
      expect(fs.readFileSync(path.join(root, newFile), 'utf8')).toBe(fs.readFileSync(path.join(repoRoot, 'cfg/config.toml'), 'utf8'));
      expect(second.stdout.split('\n').filter((l) => l.startsWith('+ '))).toEqual([
        `+ install -m 0600 -o 0 -g 0 ${repoRoot}/cfg/config.toml ${cfg}/config.toml.new`,
        `+ systemctl --root=${root} enable machines.target systemd-nspawn@aios.service`,
      ]);

      // A third run finds everything done.
      const third = runScript('install', ['--user', 'root', '--rootfs', rootfs], env);
      expect(third.status).toBe(0);
      expect(snapshot(root)).toEqual(after);
      expect(third.stdout.split('\n').filter((l) => l.startsWith('+ '))).toEqual([`+ systemctl --root=${root} enable machines.target systemd-nspawn@aios.service`]);
      golden('install.third-run.golden', placeholders(third.stdout));
    });

    it('installs aios-dev and aios-prod from one rootfs: two copies, two settings files binding the same memory folder', () => {
      g.check();
      const root = tmp.join('root');
      fs.mkdirSync(root);
      const rootfs = makeRootfs();
      const shims = makeShims();
      const env = { AIOS_ROOT: root, PATH: `${shims.dir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
      const r = runScript('install', ['--user', 'root', '--rootfs', rootfs, '--machine', 'aios-dev', '--machine', 'aios-prod'], env);
      expect(r.status).toBe(0);
      const binds = ['aios-dev', 'aios-prod'].map((name) => {
        expect(fs.readFileSync(path.join(root, `var/lib/machines/${name}/etc/aios-rootfs-marker`), 'utf8')).toBe('built by the test\n');
        return /^Bind=.*$/m.exec(fs.readFileSync(path.join(root, `etc/systemd/nspawn/${name}.nspawn`), 'utf8'))?.[0];
      });
      expect(binds[0]).toBe('Bind=/root/.config/syui/ai:/home/ai/.config/syui/ai:idmap');
      expect(binds[1]).toBe(binds[0]);
      expect(shims.calls()).toEqual([
        `systemctl --root=${root} enable machines.target systemd-nspawn@aios-dev.service`,
        `systemctl --root=${root} enable machines.target systemd-nspawn@aios-prod.service`,
      ]);
      expect(r.stderr).toContain('installed aios-dev.');
      expect(r.stderr).toContain('installed aios-prod.');
    });
  });
});
