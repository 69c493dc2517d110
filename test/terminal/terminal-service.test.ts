import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import xtermHeadless from '@xterm/headless';
import { EventBus } from '../../src/core/bridge/event-bus';
import { SecretSet } from '../../src/core/environment/redact';
import { HIGH_WATERMARK_CHARS } from '../../src/core/terminal/flow-control';
import { COALESCE_MAX_CHARS, TerminalService } from '../../src/core/terminal/terminal-service';

describe('TerminalService (real ptys)', () => {
  let home: string;
  let events: EventBus;
  let service: TerminalService;
  const output = new Map<string, string>();

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-pty-'));
    events = new EventBus();
    output.clear();
    events.on('terminal.data', ({ id, data }) => output.set(id, (output.get(id) ?? '') + Buffer.from(data).toString('utf8')));
    service = new TerminalService({
      events,
      env: { HOME: home, PATH: process.env.PATH, SHELL: '/bin/sh' },
      shell: '/bin/sh',
      shellArgs: [],
    });
  });

  afterEach(() => {
    service.dispose();
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function until(predicate: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (predicate()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('runs a shell in the home directory with a terminal identity', async () => {
    const s = service.open({ cols: 80, rows: 24 });
    service.write(s.id, 'echo "cwd=$(pwd) term=$TERM"\n');
    await until(() => (output.get(s.id) ?? '').includes(`cwd=${home} term=xterm-256color`), 'the echo');
  });

  it('pauses a fast producer until the UI acknowledges, then resumes', async () => {
    const s = service.open({ cols: 80, rows: 24 });
    service.write(s.id, 'yes flow-control-line\n');
    await until(() => service.unacknowledged(s.id) > HIGH_WATERMARK_CHARS, 'the high watermark');
    // Paused: nothing more arrives while nothing is acknowledged (a little in flight may land).
    const stalled = service.unacknowledged(s.id);
    await new Promise((r) => setTimeout(r, 300));
    const later = service.unacknowledged(s.id);
    expect(later - stalled).toBeLessThan(70_000);
    // Bounded: the frame that crossed the watermark and what was read as it did (at most two of the largest frames).
    expect(later).toBeLessThan(HIGH_WATERMARK_CHARS + 2 * COALESCE_MAX_CHARS + 12_000);
    // Acknowledge everything: output flows again, up to the watermark once more.
    service.ack(s.id, later);
    await until(() => service.unacknowledged(s.id) > HIGH_WATERMARK_CHARS, 'output after resuming');
    service.write(s.id, '\x03');
  });

  it('two clients: one acknowledges and one stalls; the shell waits for the stalled one until it detaches', async () => {
    const s = service.open({ cols: 80, rows: 24 }, 'tab-a');
    expect(service.open({ cols: 80, rows: 24, attach: true }, 'tab-b')).toMatchObject({ id: s.id, attached: true });
    // tab-a acknowledges everything it is sent, as a live xterm does; tab-b never does.
    const off = events.on('terminal.data', ({ id, data }) => id === s.id && service.ack(id, data.length, 'tab-a'));
    try {
      service.write(s.id, 'yes two-clients-line\n');
      await until(() => service.paused(s.id), 'the pause for tab-b');
      expect(service.unacknowledged(s.id, 'tab-b')).toBeGreaterThan(HIGH_WATERMARK_CHARS);
      expect(service.unacknowledged(s.id, 'tab-a')).toBeLessThan(HIGH_WATERMARK_CHARS);
      // tab-a acknowledging over and over does not let the shell run past tab-b.
      service.ack(s.id, 10 * HIGH_WATERMARK_CHARS, 'tab-a');
      await new Promise((r) => setTimeout(r, 200));
      expect(service.paused(s.id)).toBe(true);
      const held = service.unacknowledged(s.id, 'tab-b');
      await new Promise((r) => setTimeout(r, 300));
      expect(service.unacknowledged(s.id, 'tab-b') - held).toBeLessThan(70_000);
      // tab-b goes away: the shell runs again for tab-a, which keeps up.
      service.detachClient('tab-b');
      expect(service.paused(s.id)).toBe(false);
      const before = (output.get(s.id) ?? '').length;
      await until(() => (output.get(s.id) ?? '').length > before + 2 * HIGH_WATERMARK_CHARS, 'output for tab-a after tab-b left');
    } finally {
      off();
      service.write(s.id, '\x03');
    }
  });

  it('a second tab attaching does not reset the first one’s count', async () => {
    const s = service.open({ cols: 80, rows: 24 }, 'tab-a');
    service.write(s.id, 'yes reset-line\n');
    await until(() => service.paused(s.id), 'the pause for tab-a');
    service.open({ cols: 80, rows: 24, attach: true }, 'tab-b');
    expect(service.paused(s.id)).toBe(true);
    expect(service.unacknowledged(s.id, 'tab-a')).toBeGreaterThan(HIGH_WATERMARK_CHARS);
    expect(service.unacknowledged(s.id, 'tab-b')).toBe(0);
    service.write(s.id, '\x03');
  });

  it('re-attaches to the running shell with its scrollback', async () => {
    const first = service.open({ cols: 80, rows: 24 });
    service.write(first.id, 'echo attach-$((20+22))\n');
    await until(() => (output.get(first.id) ?? '').includes('attach-42'), 'the echo');
    const again = service.open({ cols: 100, rows: 30, attach: true });
    expect(again).toMatchObject({ id: first.id, attached: true, pid: first.pid });
    expect(again.replay).toContain('attach-42');
    const fresh = service.open({ cols: 80, rows: 24 });
    expect(fresh.id).not.toBe(first.id);
    expect(fresh.attached).toBe(false);
  });

  /** The frames of one session as they arrive. */
  function framesOf(id: () => string): Uint8Array[] {
    const frames: Uint8Array[] = [];
    events.on('terminal.data', (p) => p.id === id() && frames.push(p.data));
    return frames;
  }
  const text = (frames: Uint8Array[]) => Buffer.concat(frames).toString('utf8');

  it('sends the output as UTF-8 bytes, whole characters even where the shell split one, which xterm renders', async () => {
    let id = '';
    const frames = framesOf(() => id);
    id = service.open({ cols: 80, rows: 24 }).id;
    // é (2 bytes), € (3) and 😀 (4), each cut in two by a pause, so the pty is read between the halves.
    service.write(
      id,
      "printf 'split:\\303'; sleep 0.2; printf '\\251\\342\\202'; sleep 0.2; printf '\\254\\360\\237'; sleep 0.2; printf '\\230\\200:done-%s\\n' $((40+2))\n",
    );
    await until(() => text(frames).includes(':done-42'), 'the split characters');
    for (const frame of frames) {
      expect(frame).toBeInstanceOf(Uint8Array);
      // Each frame is valid UTF-8 on its own: no character is cut between two.
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(frame)).not.toThrow();
    }
    expect(text(frames)).toContain('split:é€😀:done-42');
    // Written to xterm frame by frame, as the pane does.
    const term = new xtermHeadless.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
    for (const frame of frames) term.write(frame);
    await new Promise<void>((resolve) => term.write('', resolve));
    const lines = Array.from({ length: term.buffer.active.length }, (_, i) => term.buffer.active.getLine(i)?.translateToString(true));
    // The line as printed (after the shell's prompt, when it came first), each character in its cell.
    expect(lines).toContainEqual(expect.stringMatching(/(^|\s)split:é€😀:done-42$/));
    const row = lines.findIndex((l) => l?.endsWith('split:é€😀:done-42'));
    const cells = term.buffer.active.getLine(row)!;
    const at = lines[row]!.indexOf('split:');
    expect([6, 7, 8].map((x) => cells.getCell(at + x)?.getChars())).toEqual(['é', '€', '😀']);
    term.dispose();
  });

  it('redacts secrets the shell printed in pieces from the bytes it sends, a non-ASCII one cut inside a character too', async () => {
    const key = 'sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd';
    const password = 'pässwört-Geheimnis-2026';
    const secrets = new SecretSet();
    secrets.add(key, password);
    const redacting = new TerminalService({
      events,
      env: { HOME: home, PATH: process.env.PATH },
      shell: '/bin/sh',
      shellArgs: [],
      secrets,
    });
    try {
      let id = '';
      const frames = framesOf(() => id);
      id = redacting.open({ cols: 200, rows: 24 }).id;
      // The key in two writes; the password's ä (\303\244) cut between two.
      void redacting.write(
        id,
        `printf 'a=${key.slice(0, 12)}'; sleep 0.2; printf '${key.slice(12)} b=p\\303'; sleep 0.2; printf '\\244sswört-Geheimnis-2026 done-%s\\n' $((40+2))\n`,
      );
      await until(() => text(frames).includes('done-42'), 'the secrets');
      expect(frames.every((f) => f instanceof Uint8Array)).toBe(true);
      const out = text(frames);
      // Each piece released is redacted on its own: a marker for each, and not a letter of the secrets between.
      expect(out).toMatch(/\sa=(\[redacted\])+ b=p?(\[redacted\])+ done-42/);
      expect(out).not.toContain(key);
      expect(out).not.toContain(password);
      expect(out).not.toContain('Geheimnis');
    } finally {
      redacting.dispose();
    }
  });

  it('counts what is in flight in bytes, as the pane acknowledges them, and still pauses', async () => {
    let id = '';
    const frames = framesOf(() => id);
    id = service.open({ cols: 80, rows: 24 }).id;
    // Two bytes a character: in characters the count would be about half.
    service.write(id, 'yes ééééééééééééééééééééééééééééééé\n');
    await until(() => service.paused(id), 'the pause');
    await new Promise((r) => setTimeout(r, 100));
    const bytes = frames.reduce((n, f) => n + f.byteLength, 0);
    expect(service.unacknowledged(id)).toBe(bytes);
    expect(bytes).toBeGreaterThan(HIGH_WATERMARK_CHARS);
    expect(Buffer.concat(frames).toString('utf8')).toContain('éééé\r\nééé');
    service.ack(id, bytes);
    expect(service.paused(id)).toBe(false);
    service.write(id, '\x03');
  });

  it('reports the exit of the shell and forgets the session', async () => {
    const s = service.open({ cols: 80, rows: 24 });
    const exited = new Promise<{ exitCode: number }>((resolve) => events.on('terminal.exit', (e) => e.id === s.id && resolve(e)));
    service.write(s.id, 'exit 7\n');
    expect((await exited).exitCode).toBe(7);
    await expect(service.write(s.id, 'x')).rejects.toThrow(/no terminal session/);
  });
});
