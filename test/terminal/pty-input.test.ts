import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/bridge/event-bus';
import { TerminalService } from '../../src/core/terminal/terminal-service';

/** Input to a real shell that reads it only when told (a file appears), with `stty -icanon` so the pty fills up. */
describe('terminal input is taken when the shell reads it (real ptys)', () => {
  let home: string;
  let service: TerminalService;
  // Per test: the previous test's shell may still be exiting on its own bus.
  let exits: string[] = [];
  let output = { text: '' };

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-pty-input-'));
    const events = new EventBus();
    const mine = { exits: [] as string[], output: { text: '' } };
    exits = mine.exits;
    output = mine.output;
    events.on('terminal.exit', ({ id }) => mine.exits.push(id));
    events.on('terminal.data', ({ data }) => (mine.output.text += Buffer.from(data).toString('utf8')));
    service = new TerminalService({
      events,
      env: { HOME: home, PATH: process.env.PATH },
      shell: '/bin/sh',
      shellArgs: ['-c', `stty -icanon -echo; echo ready; while [ ! -e go ]; do sleep 0.05; done; exec cat > got`],
      cwd: home,
    });
  });

  afterEach(() => {
    service.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Input sent before `stty -icanon` would meet the line editor's 4 KB limit. */
  async function ready(): Promise<void> {
    for (let i = 0; i < 200 && !output.text.includes('ready'); i++) await settle(25);
    expect(output.text).toContain('ready');
  }

  it('a write waits while the shell does not read, and is taken, whole and in order, once it does', async () => {
    const s = service.open({ cols: 80, rows: 24 });
    await ready();
    const chunks = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(64 * 1024));
    let taken = 0;
    const writes = chunks.map((c) => service.write(s.id, c).then(() => taken++));
    await settle(500);
    // 512 KB cannot fit in a pty nobody reads.
    expect(taken).toBeLessThan(chunks.length);
    fs.writeFileSync(path.join(home, 'go'), '');
    await Promise.all(writes);
    expect(taken).toBe(chunks.length);
    const got = path.join(home, 'got');
    for (let i = 0; i < 200 && (fs.existsSync(got) ? fs.statSync(got).size : 0) < 8 * 64 * 1024; i++) await settle(25);
    expect(fs.readFileSync(got, 'latin1')).toBe(chunks.join(''));
  }, 20_000);

  it('closing the shell lets pending writes go (their input dropped), and later writes are refused', async () => {
    const s = service.open({ cols: 80, rows: 24 });
    await ready();
    const writes = Array.from({ length: 8 }, () => service.write(s.id, 'z'.repeat(64 * 1024)));
    await settle(300);
    service.close(s.id);
    await Promise.all(writes);
    for (let i = 0; i < 200 && !exits.includes(s.id); i++) await settle(25);
    expect(exits).toEqual([s.id]);
    expect(fs.existsSync(path.join(home, 'got'))).toBe(false);
    await expect(service.write(s.id, 'x')).rejects.toThrow(/no terminal session/);
    expect(service.count).toBe(0);
  }, 20_000);
});
