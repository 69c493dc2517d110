/**
 * A transaction's output reaches the card as it comes, not when the command
 * ends: the command prints, then waits for a line from a local TCP server
 * that the test sends only once the first output has arrived, then prints
 * again. Were the output held until the end, the command would wait until
 * it timed out and "first" would come after it ended.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { SecretSet } from '../../src/core/environment/redact';
import { Transactions } from '../../src/core/transaction/hook';
import { canRun, makeMachine, removeScratch } from './support';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };

describe.skipIf(!canRun)('a transaction streams its output', () => {
  let base: string;
  let machine: string;
  let server: net.Server;
  let port: number;
  const events: string[] = [];
  let release: (() => void) | undefined;
  beforeEach(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-live-'));
    machine = path.join(base, 'machine');
    makeMachine(machine);
    events.length = 0;
    server = net.createServer((sock) => {
      // The command waits on this line: it is sent once the test has seen the first output.
      release = () => {
        events.push('released');
        sock.end('go\n');
      };
      if (events.some((e) => e.startsWith('stdout:first'))) release();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await removeScratch(base);
  });

  it('the first output reaches onOutput before the command ends, redacted', async () => {
    const secrets = new SecretSet();
    secrets.add('sk-live-9f8e7d6c5b4a3f2e1d0c');
    const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [machine], state_dir: path.join(base, 'state') }), {
      env,
      secrets,
      protect: {},
    });
    const command = `echo first sk-live-9f8e7d6c5b4a3f2e1d0c; exec 3<>/dev/tcp/127.0.0.1/${port}; read -r x <&3; echo "second $x"; echo done > ${machine}/out.txt`;
    const run = await tx.run({
      command,
      cwd: machine,
      signal: new AbortController().signal,
      timeoutMs: 8_000,
      approved: true,
      ask: async () => true,
      onOutput: (data, stream) => {
        events.push(`${stream}:${data.trim()}`);
        if (data.startsWith('first')) release?.();
      },
    });
    events.push(`ended: ${run.result.exitCode}`);
    // The secret's line is held back until the next piece shows where it ends: it comes out whole, redacted.
    expect(events[0]).toBe('stdout:first');
    expect(events[1]).toBe('released');
    expect(events.at(-1)).toBe('ended: 0');
    expect(events.slice(2, -1).join('\n')).toContain('second go');
    expect(run.result.fullOutput).toBe('first [redacted]\nsecond go\n');
    expect(run.result.fullOutput).not.toContain('sk-live');
    expect(fs.readFileSync(path.join(machine, 'out.txt'), 'utf8')).toBe('done\n');
  });
});
