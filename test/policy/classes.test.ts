import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { protectedPaths } from '../../src/core/policy/programs/protected-paths';
import { OPTION_MEANINGS, optionMeaning } from '../../src/core/policy/programs/wrapper-options';
import { WRAPPERS } from '../../src/core/policy/programs/wrappers';
import { CTX, engineFromToml, shippedEngine, tempDir } from '../support/policy';

/**
 * The six classes of lines the shipped rules judged too leniently: secret
 * reads, wrapper options that run/load/write, programs from a root the
 * model controls, other shells' code, start-up files, and installs of what
 * the AI built itself. Where the program is installed it is the oracle:
 * the line really does what the policy says it does.
 */

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

const has = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

describe('1. secret reads need approval, with or without sudo', () => {
  const t = tempDir('aios-secret-');
  const home = path.join(t.dir, 'home');
  const cwd = path.join(home, 'project');
  const MARK = 'SECRET-KEY-MATERIAL-4711';
  beforeAll(() => {
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.mkdirSync(cwd, { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_test'), `${MARK}\n`);
    fs.writeFileSync(path.join(cwd, 'notes.txt'), 'ordinary\n');
  });
  afterAll(() => t.cleanup());

  const bash = (line: string): string =>
    execFileSync('bash', ['-c', line], {
      cwd,
      env: { PATH: process.env.PATH, HOME: home, AIOS_TEST_TOKEN: MARK },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });

  it.each([
    'cat ~/.ssh/id_test',
    'cat $HOME/.ssh/id_test',
    'D=$HOME; cat $D/.ssh/id_test',
    'head ~/.ssh/*',
    'cat < ~/.ssh/id_test',
    'echo $(< ~/.ssh/id_test)',
    'grep -r SECRET ~',
    'grep -r SECRET ..',
    'tar cf - ~/.ssh | cat',
    'cp ~/.ssh/id_test copy && cat copy',
    'cat /proc/self/environ',
    'grep -a SECRET /proc/$$/environ',
  ])('%s prints the secret (bash) and needs approval', (line) => {
    expect(bash(line)).toContain(MARK);
    const r = engine.decide(line, { cwd, home });
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.reasons.join(' ')).toMatch(/secret/);
  });

  it.each(['cat notes.txt', 'grep -r ordinary .', 'ls ~/.ssh', 'ls -la ~'])('%s stays quiet', (line) => {
    expect(engine.decide(line, { cwd, home }).decision).toBe('auto_allow');
  });

  it.each([
    'sudo cat /etc/shadow',
    'sudo -u root base64 /etc/shadow',
    'env cat /root/.ssh/id_rsa',
    'dd if=/etc/shadow',
    'grep -r TOKEN /proc/*/environ',
    'xxd /proc/$pid/mem',
    'cat /proc/1/cmdline',
    'find ~ -name "*.pem" -exec cat {} +',
    'cat ~/.aws/credentials ~/.netrc',
    'less ~/.config/gh/hosts.yml',
  ])('%s needs approval', (line) => {
    expect(engine.decide(line, CTX).decision).toBe('require_approval');
  });
});

describe('2. every wrapper option has a meaning', () => {
  it('covers every option wrappers.ts knows', () => {
    const missing: string[] = [];
    for (const [name, spec] of Object.entries(WRAPPERS)) {
      if (spec.locate) continue;
      const alias = (k: string): string => spec.aliases?.[k] ?? k;
      const keys = [...spec.flags, ...spec.valued, ...(spec.optionalShort ?? '')].concat(
        [...(spec.longFlags ?? []), ...(spec.longValued ?? []), ...(spec.longOptional ?? [])].map(alias),
      );
      for (const k of keys) if (optionMeaning(name, k) === undefined) missing.push(`${name} ${k}`);
      expect(OPTION_MEANINGS[name], name).toBeDefined();
    }
    expect(missing).toEqual([]);
  });

  it.skipIf(!has('strace'))("strace -o '|cmd' runs cmd (strace is the oracle) and needs approval", () => {
    const t = tempDir('aios-strace-');
    try {
      const out = path.join(t.dir, 'ran');
      const line = `strace -o '|touch ${out}' true`;
      spawnSync('bash', ['-c', line], { cwd: t.dir, stdio: 'ignore' });
      expect(fs.existsSync(out)).toBe(true);
      expect(engine.decide(line, { cwd: t.dir, home: t.dir }).decision).toBe('require_approval');
    } finally {
      t.cleanup();
    }
  });

  it.skipIf(!has('flock'))('flock FILE creates FILE (flock is the oracle): a write the policy checks', () => {
    const t = tempDir('aios-flock-');
    try {
      spawnSync('flock', [path.join(t.dir, '.bashrc'), 'true'], { cwd: t.dir, stdio: 'ignore' });
      expect(fs.existsSync(path.join(t.dir, '.bashrc'))).toBe(true);
      expect(engine.decide('flock .bashrc ls', { cwd: t.dir, home: t.dir }).decision).toBe('require_approval');
      expect(engine.decide('flock build.lock ls', { cwd: t.dir, home: t.dir }).decision).toBe('auto_allow');
    } finally {
      t.cleanup();
    }
  });

  it.each([
    "strace -o '!id' ls",
    'strace -p 1',
    'systemd-run -p ExecStartPre=/tmp/x ls',
    'systemd-run -E LD_PRELOAD=/tmp/x.so ls',
    'systemd-run --setenv=LD_PRELOAD=/tmp/x.so ls',
    'systemd-run -p StandardOutput=file:/home/me/.bashrc ls',
    'systemd-run -p EnvironmentFile=/tmp/e ls',
    'run0 --property=ExecStartPost=/tmp/x ls',
    'su -s /tmp/x root',
    'su --shell=/usr/bin/fish -c ls',
    'runuser -u ai -s /tmp/sh -- ls',
    'flock /tmp/lock ls',
    'rlwrap --logfile=/home/me/.bashrc ls',
    'rlwrap -z /tmp/filter ls',
    'setlock /home/me/.profile ls',
    'lckdo /tmp/lock ls',
    'perf stat -o /home/me/.bashrc ls',
    "perf stat --pre 'id' ls",
    'perf --exec-path=/tmp/x stat ls',
    'sudo --preserve-env=LD_PRELOAD ls',
    'sudo -A ls',
    'xargs --process-slot-var=LD_PRELOAD ls',
    'firejail --output=/home/me/.bashrc ls',
    'firejail --some-new-option ls',
    'valgrind --vgdb-prefix=/tmp/x ls',
    'nsenter --env -t 1 ls',
    'ssh-agent -P /tmp/lib.so ls',
    'xvfb-run -s "-auth /tmp/x" ls',
    'faketime --date-prog=/tmp/x 2020-01-01 ls',
  ])('%s needs approval', (line) => {
    expect(engine.decide(line, CTX).decision).toBe('require_approval');
  });

  it.each([
    'timeout 5 ls',
    'nice -n 5 ls',
    'strace -f ls',
    'strace -o trace.txt ls',
    'firejail --net=none ls',
    'valgrind --leak-check=full ls',
    'flock build.lock ls',
  ])('%s stays quiet', (line) => {
    expect(engine.decide(line, CTX).decision).toBe('auto_allow');
  });
});

describe('3. programs taken from a root the model controls need approval', () => {
  it.each([
    'chroot /tmp/r ls',
    'sudo chroot ./rootfs ls',
    'unshare --root=/tmp/r ls',
    'unshare -R /tmp/r ls',
    'nsenter --root=/tmp/r ls',
    'nsenter -r -t 1 ls',
    'systemd-run -p RootDirectory=/tmp/r ls',
    'systemd-run -p RootImage=/tmp/r.img ls',
    'firejail --chroot=/tmp/r ls',
    'sudo -R /tmp/r ls',
    'sudo --chroot=/tmp/r ls',
    'capsh --chroot=/tmp/r -- -c ls',
  ])('%s', (line) => {
    const r = engine.decide(line, CTX);
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
    expect(r.reasons.join(' ')).toMatch(/root/);
  });
});

describe("4. other shells' code is not parsed as bash", () => {
  it.each([
    "fish -c 'echo (id)'",
    "zsh -c 'echo hi >! /tmp/x'",
    'csh -c ls',
    'tcsh -c ls',
    'ksh -c ls',
    'mksh -c ls',
    'sudo zsh -c ls',
    'env fish --command ls',
    'xonsh -c ls',
  ])('%s needs approval', (line) => {
    expect(engine.decide(line, CTX).decision).toBe('require_approval');
  });

  it('bash-grammar shells still read their code as bash', () => {
    expect(engine.decide("bash -c 'ls'", CTX).decision).toBe('auto_allow');
    expect(engine.decide("sh -c 'ls'", CTX).decision).toBe('auto_allow');
    expect(engine.decide("zsh -c 'rm -rf /'", CTX).decision).toBe('deny');
  });

  it.skipIf(!has('zsh'))('zsh reads >! as a clobbering redirection (zsh is the oracle)', () => {
    const t = tempDir('aios-zsh-');
    try {
      spawnSync('zsh', ['-c', 'echo hi >! out'], { cwd: t.dir });
      expect(fs.readFileSync(path.join(t.dir, 'out'), 'utf8')).toBe('hi\n');
    } finally {
      t.cleanup();
    }
  });
});

describe('5. one list of start-up files, for every way of writing', () => {
  const HOME = '/home/ai';
  const AT_HOME = { cwd: HOME, home: HOME };
  const files = [
    '.cshrc',
    '.tcshrc',
    '.login',
    '.kshrc',
    '.bash_aliases',
    '.vimrc',
    '.config/nvim/init.lua',
    '.emacs',
    '.emacs.d/init.el',
    '.tmux.conf',
    '.screenrc',
    '.xsessionrc',
    '.Xresources',
    '.config/autostart/x.desktop',
    '.local/share/applications/x.desktop',
    '.config/mimeapps.list',
    '.gitconfig',
    '.npmrc',
    '.cargo/config.toml',
    '.cargo/config',
    '.docker/config.json',
    '.ssh/config',
    '.toprc',
    '.config/procps/toprc',
    'bin/ls',
    '.config/fish/config.fish',
    '.zshrc',
    '.profile',
  ];

  it('protectedPaths() keeps its shape and lists them', () => {
    const list = protectedPaths({ home: HOME });
    for (const e of list) expect(Object.keys(e).sort()).toEqual(['kind', 'path', 'why']);
    const covered = (rel: string): boolean => {
      const p = path.posix.join(HOME, rel);
      return list.some((e) => e.path === p || (e.kind === 'tree' && p.startsWith(`${e.path}/`)));
    };
    expect(files.filter((f) => !covered(f))).toEqual([]);
  });

  it.each(files)('every way of writing ~/%s asks, with the working tree at home', (rel) => {
    for (const line of [
      `echo x > ${rel}`,
      `echo x >> ~/${rel}`,
      `tee ${rel}`,
      `cp x ${rel}`,
      `sed -i s/a/b/ ${rel}`,
      `ln -sf /tmp/x ${rel}`,
      `mv x ${rel}`,
      `dd of=${rel}`,
      `truncate -s0 ${rel}`,
    ]) {
      const r = engine.decide(line, AT_HOME);
      expect(r.decision, `${line}: ${r.reasons.join(' | ')}`).toBe('require_approval');
    }
  });

  it('writes programs make implicitly are caught even when a rule allows the program', async () => {
    const { engine: lenient } = await engineFromToml(
      '[permissions]\nauto_allow = ["xxd", "uniq", "gzip", "gunzip", "npm", "xdg-mime", "gsettings", "echo"]\n',
    );
    for (const line of [
      'xxd -r dump .bashrc',
      'uniq x .profile',
      'gunzip .vimrc.gz',
      'npm config set script-shell /tmp/x',
      'xdg-mime default evil.desktop text/plain',
      'gsettings set org.gnome.x y z',
      'echo $(> .bashrc)',
    ]) {
      const r = lenient.decide(line, AT_HOME);
      expect(r.decision, `${line}: ${r.reasons.join(' | ')}`).toBe('require_approval');
    }
    expect(lenient.decide('xxd dump.bin', AT_HOME).decision).toBe('auto_allow');
  });
});

describe('6. notify rules do not accept what the AI built itself', () => {
  it.each([
    'dpkg -i ./x.deb',
    'sudo dpkg -i x.deb',
    'apt install ./x.deb',
    'sudo apt-get install -y /tmp/x.deb',
    'systemctl enable --now /path/x.service',
    'sudo systemctl start ./x.service',
    'cargo install --path .',
    'cargo install --git https://example.org/x',
    'pip install .',
    'pip install git+https://example.org/x',
    'npm install -g ./x',
    'pacman -U x.pkg.tar.zst',
    'go install ./cmd/x',
    'snap install --dangerous x.snap',
  ])('%s needs approval', (line) => {
    const r = engine.decide(line, CTX);
    expect(r.decision, r.reasons.join(' | ')).toBe('require_approval');
  });

  it.each(['sudo apt install nginx', 'cargo install ripgrep', 'systemctl enable --now sshd', 'pacman -S firefox'])(
    '%s stays a notify',
    (line) => {
      expect(engine.decide(line, CTX).decision).toBe('notify');
    },
  );
});
