import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Executor, Sandbox, confinementFor } from '../../src/core/executor';
import { SecretSet } from '../../src/core/environment';

let dir: string;
let tree: string;
let outside: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-sandbox-')));
  tree = path.join(dir, 'home');
  fs.mkdirSync(tree);
  // Outside /tmp: inside the sandbox /tmp is a private tmpfs.
  outside = fs.mkdtempSync('/var/tmp/aios-sandbox-outside-');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('Sandbox (real bubblewrap)', () => {
  it('probes bwrap once with a real run and reports its version', () => {
    const s = new Sandbox();
    const st = s.status();
    expect(st).toMatchObject({ available: true });
    expect(s.status()).toBe(st);
  });

  it('a confined command writes in the working tree, not outside it, not to protected files in it, and gets a private /tmp', async () => {
    fs.writeFileSync(path.join(tree, '.bashrc'), 'original\n');
    fs.mkdirSync(path.join(tree, 'proj', '.git', 'hooks'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'proj', '.git', 'config'), '[core]\n');
    fs.writeFileSync(path.join(outside, 'victim'), 'untouched\n');
    fs.writeFileSync('/tmp/aios-sandbox-host-marker', 'x');
    const confinement = confinementFor(tree, { home: tree });
    expect(confinement.readOnly).toEqual(
      expect.arrayContaining([
        path.join(tree, '.bashrc'),
        path.join(tree, 'proj', '.git', 'hooks'),
        path.join(tree, 'proj', '.git', 'config'),
      ]),
    );
    const ex = new Executor({ sandbox: new Sandbox() });
    const r = await ex.run({
      cwd: tree,
      confinement,
      command: [
        'echo made > made.txt && echo inside-ok',
        `echo bad > ${outside}/victim || echo outside-refused`,
        'echo bad >> .bashrc || echo bashrc-refused',
        'echo bad > proj/.git/hooks/post-checkout || echo hook-refused',
        'echo bad >> proj/.git/config || echo gitconfig-refused',
        'test -e /tmp/aios-sandbox-host-marker && echo host-tmp-visible || echo tmp-private',
        'echo t > /tmp/scratch && cat /tmp/scratch',
        'ls / >/dev/null && echo can-read',
        'grep -q NoNewPrivs:.*1 /proc/self/status && echo no-new-privs',
      ].join('; '),
    });
    fs.rmSync('/tmp/aios-sandbox-host-marker');
    expect(r.confined).toBe(true);
    expect(r.exitCode).toBe(0);
    for (const word of [
      'inside-ok',
      'outside-refused',
      'bashrc-refused',
      'hook-refused',
      'gitconfig-refused',
      'tmp-private',
      't\n',
      'can-read',
      'no-new-privs',
    ])
      expect(r.fullOutput).toContain(word);
    expect(fs.readFileSync(path.join(tree, 'made.txt'), 'utf8')).toBe('made\n');
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('untouched\n');
    expect(fs.readFileSync(path.join(tree, '.bashrc'), 'utf8')).toBe('original\n');
    expect(fs.existsSync(path.join(tree, 'proj', '.git', 'hooks', 'post-checkout'))).toBe(false);
    expect(fs.existsSync('/tmp/scratch')).toBe(false);
  });

  it('sees only its own processes and no network: the runner, aios, and their /proc/<pid>/environ are out of sight', async () => {
    const r = await new Executor({ sandbox: new Sandbox() }).run({
      cwd: tree,
      confinement: confinementFor(tree, {}),
      command: `ps -p ${process.pid} -o pid= || echo runner-hidden; cat /proc/${process.pid}/environ >/dev/null 2>&1 || echo environ-hidden; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`,
    });
    expect(r.fullOutput).not.toContain(`${process.pid}\n`);
    expect(r.fullOutput).toContain('runner-hidden');
    expect(r.fullOutput).toContain('environ-hidden');
    // /proc/net/dev lists the interfaces of the reader's network namespace (/sys/class/net would show the host's): only loopback.
    expect(r.fullOutput.trim().split('\n').pop()).toBe('lo');
    expect(r.fullOutput).not.toMatch(/^(eth|ens|ve-|veth)/m);
  });

  it('cannot reach a service over a unix socket outside the tree (a listener in /var/tmp is refused)', async () => {
    const net = await import('node:net');
    const sockDir = fs.mkdtempSync('/var/tmp/aios-sandbox-sock-');
    const sock = path.join(sockDir, 'bus');
    let reached = false;
    const server = net.createServer((c) => {
      reached = true;
      c.end('hello-from-service\n');
    });
    await new Promise<void>((resolve) => server.listen(sock, () => resolve()));
    try {
      // The system python, not the test's node: nothing here depends on where the checkout lives.
      const script = `import socket; s = socket.socket(socket.AF_UNIX); s.connect(${JSON.stringify(sock)}); print(s.recv(100).decode())`;
      const r = await new Executor({ sandbox: new Sandbox() }).run({
        cwd: tree,
        confinement: confinementFor(tree, {}),
        command: `/usr/bin/python3 -c ${JSON.stringify(script)} || echo refused`,
      });
      expect(r.confined).toBe(true);
      expect(r.fullOutput).toContain('refused');
      expect(r.fullOutput).not.toContain('hello-from-service');
      expect(reached).toBe(false);
    } finally {
      server.close();
      fs.rmSync(sockDir, { recursive: true, force: true });
    }
  });

  it('a missing bwrap is reported, and a confined run refuses rather than run unconfined', async () => {
    const s = new Sandbox({ bwrap: path.join(dir, 'no-bwrap') });
    expect(s.status()).toMatchObject({ available: false, reason: expect.stringContaining('not installed') });
    const r = await new Executor({ sandbox: s }).run({ cwd: tree, confinement: confinementFor(tree, {}), command: 'echo ran > ran.txt' });
    expect(r.spawnError).toMatch(/unavailable/);
    expect(fs.existsSync(path.join(tree, 'ran.txt'))).toBe(false);
  });

  it('a bwrap that cannot make a sandbox (exits non-zero) is reported as unavailable', () => {
    const fake = path.join(dir, 'bwrap-broken');
    fs.writeFileSync(fake, '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n', { mode: 0o755 });
    expect(new Sandbox({ bwrap: fake }).status()).toMatchObject({ available: false, reason: expect.stringContaining('No permissions') });
  });
});

describe('Executor redaction', () => {
  it("redacts known secrets from streamed chunks, the model's output and the full output", async () => {
    const secrets = new SecretSet();
    const secret = 'supersecret-value-0123456789';
    secrets.add(secret);
    const chunks: string[] = [];
    // The secret is printed in two writes, so it is split across chunks.
    const r = await new Executor({ secrets }).run({
      cwd: tree,
      command: `printf 'a supersecret-'; sleep 0.1; printf 'value-0123456789 b\\n'`,
      onOutput: (c) => chunks.push(c),
    });
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.join('')).toBe('a [redacted] b\n');
    expect(r.output).toBe('a [redacted] b\n');
    expect(r.fullOutput).not.toContain(secret);
  });
});

describe('app.status and the sandbox', () => {
  it('says whether auto-allowed commands are confined, and why not when bwrap is missing', async () => {
    const { Core } = await import('../../src/core/core');
    const { dispatchCall } = await import('../../src/core/bridge/dispatch');
    const cfg = path.join(dir, 'cfg');
    fs.mkdirSync(cfg);
    const status = async (bwrap: string) => {
      fs.writeFileSync(path.join(cfg, 'config.toml'), `[commands]\nbwrap = ${JSON.stringify(bwrap)}\n`);
      const core = new Core({
        host: 'web',
        env: { HOME: tree, AIOS_CONFIG_DIR: cfg, PATH: process.env.PATH },
        mcp: false,
        chat: { ollamaUrl: 'http://127.0.0.1:9' },
      });
      try {
        const r = await dispatchCall(core.handlers, 'app.status', {}, { clientId: 't' });
        return (r as { ok: true; value: { sandbox: { available: boolean; detail: string } } }).value.sandbox;
      } finally {
        await core.close();
      }
    };
    expect(await status('bwrap')).toMatchObject({ available: true, detail: expect.stringContaining('confined') });
    expect(await status(path.join(dir, 'missing-bwrap'))).toMatchObject({
      available: false,
      detail: expect.stringMatching(/unavailable.*run as notify/),
    });
  });
});
