/**
 * `aios chat` in a real pty (the model is the scripted local stand-in,
 * commands run for real): `e` at an approval opens the AI's command on an
 * edit line, and the edited command is judged again from the start; a
 * command the quiet jail stopped is offered again unconfined, which asks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sandbox } from '../../src/core/executor';
import { lastMessage } from '../support/llm-server';
import { chatWorld, PROMPT } from './chat-world';

const ASK = /Run it\? \[y\/N(?:\/a\(lways\))?\] \(\d+ s\) $/;
const world = chatWorld({
  ai: { request_timeout_s: 10, approval_timeout_s: 60 },
  lists: { auto_allow: ['printf *'], require_approval: ['touch *'] },
});

function propose(command: string): number {
  world.server.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: 'the person asked' } }] });
  world.server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
  const m = world.chat.mark();
  world.chat.type(`please ${command}\r`);
  return m;
}

describe('aios chat: edit the AI command before it runs', () => {
  it('e opens the command for editing; an edit the rules allow runs instead, without another question', async () => {
    const chat = await world.start();
    const m = propose('touch first.txt');
    const asked = await chat.waitFor(ASK, m);
    expect(chat.text().slice(m)).toContain('e = edit it first');
    chat.type('e\r');
    await chat.waitFor(/edit> touch first\.txt$/, asked);
    // Ctrl-U empties the line, as in bash; the edit is a different, harmless command.
    chat.type('\x15printf edited-by-me\r');
    const after = await chat.waitFor(/Result:[\s\S]*\[aios\] > $/, asked, 20_000);
    const shown = chat.text().slice(asked, after);
    expect(shown).toMatch(/not run: replaced by your edit: printf edited-by-me/);
    expect(shown).toMatch(/\$ printf edited-by-me {2}\[auto/);
    expect(shown).toContain('edited-by-me');
    expect(fs.existsSync(path.join(world.work, 'first.txt'))).toBe(false);
    // The model is told what ran: the edited command's result.
    expect(lastMessage(world.server.requests.at(-1)!.body, 'tool')).toContain('edited-by-me');
  }, 60_000);

  it('an edit that still needs approval is asked about again, as the new command', async () => {
    const chat = await world.start();
    const m = propose('touch first.txt');
    const asked = await chat.waitFor(ASK, m);
    chat.type('e\r');
    await chat.waitFor(/edit> touch first\.txt$/, asked);
    chat.type('\x15touch second.txt\r');
    const again = await chat.waitFor(/approval needed: touch second\.txt[\s\S]*Run it\? \[y\/N\] \(\d+ s\) $/, asked);
    chat.type('y\r');
    await chat.waitFor(/exit 0[\s\S]*Result:[\s\S]*\[aios\] > $/, again, 20_000);
    expect(fs.existsSync(path.join(world.work, 'second.txt'))).toBe(true);
    expect(fs.existsSync(path.join(world.work, 'first.txt'))).toBe(false);
  }, 60_000);

  it('Ctrl-C on the edit line runs nothing', async () => {
    const chat = await world.start();
    const m = propose('touch first.txt');
    const asked = await chat.waitFor(ASK, m);
    chat.type('e\r');
    await chat.waitFor(/edit> touch first\.txt$/, asked);
    chat.type('\x03');
    await chat.waitFor(/not run: (declined|cancelled)/, asked);
    await chat.waitFor(PROMPT, asked, 20_000);
    expect(fs.existsSync(path.join(world.work, 'first.txt'))).toBe(false);
  }, 60_000);
});

describe.skipIf(!new Sandbox().status().available)('aios chat: run again unconfined', () => {
  it('a command the jail stopped is offered again unconfined, and /unconfined asks before it runs', async () => {
    // Outside the working tree and outside /tmp (the jail's /tmp is private): read-only in the jail.
    const outside = fs.mkdtempSync('/var/tmp/aios-unconfined-');
    try {
      const target = path.join(outside, 'made');
      const chat = await world.start();
      // mkfifo is named by no rule: it runs confined, and the jail refuses the write.
      const out = await world.line(`!mkfifo ${target}`, 30_000);
      expect(out).toMatch(/confined because no rule covers it/);
      expect(out).toMatch(/the jail seems to have stopped it \(a write outside the working tree was refused/);
      expect(out).toContain('/unconfined runs it again');
      expect(fs.existsSync(target)).toBe(false);
      const m = chat.mark();
      chat.type('/unconfined\r');
      const asked = await chat.waitFor(new RegExp(`approval needed: mkfifo ${target}[\\s\\S]*${ASK.source}`), m, 30_000);
      chat.type('y\r');
      await chat.waitFor(/exit 0[\s\S]*\[aios\] > $/, asked, 30_000);
      expect(fs.statSync(target).isFIFO()).toBe(true);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  }, 90_000);

  it('df in the jail says it shows a confined view', async () => {
    await world.start();
    const out = await world.line('!df -h', 30_000);
    expect(out).toMatch(/\$ df -h {2}\[auto/);
    expect(out).toContain('confined view: the jail’s own /tmp');
  }, 60_000);
});
