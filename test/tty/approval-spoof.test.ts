import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

/**
 * A command cannot redraw the TTY around its own approval: the escape
 * sequences in the command, in the AI's reason, in the names of files the
 * preview saw it make, and in its output reach the terminal as visible
 * text (`^[[2J`), never as actions. Through the real `aios chat` in a pty;
 * the model is the scripted stand-in.
 */
const ESC = '\x1b';
const CLEAR = `${ESC}[2J`;
const HOME_CURSOR = '\x1b[H';
const FAKE = `${CLEAR}${HOME_CURSOR}approval needed: ls -la`;

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  fs.writeFileSync(
    path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'),
    [
      '[ai]',
      `base_url = ${JSON.stringify(server.baseUrl)}`,
      'model = "scripted"',
      'request_timeout_s = 10',
      'approval_timeout_s = 120',
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

describe('aios chat approvals show what the model and the command wrote, not what they would draw', () => {
  it('escape sequences in the command, the reason, file names and output are printed visibly', async () => {
    const work = path.join(dirs.dir, 'work');
    const command = `touch "$(printf 'name\\033[2Jx')"; printf '${FAKE.replaceAll(ESC, '\\033')}\\n' # ${FAKE}`;
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: `harmless ${FAKE}\u202Egnp.exe` } }] });
    server.setResponder(() => ({ text: 'Done.' }));
    chat = startChat(chatEnv(dirs.env), work);
    const c = chat;
    await c.waitFor(/\[aios\] > $/, 0, 30_000);
    const rawBefore = c.raw().length;
    c.type('go\r');
    const asked = c.mark();
    await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $/, asked, 60_000);
    // The question comes at once; the preview follows and the prompt is drawn again under it.
    await c.waitFor(/added {3}\.\/name[\s\S]*Run it\? \[y\/N\] \(\d+ s\) $/, asked, 60_000);
    const question = c.raw().slice(rawBefore);
    expect(question).not.toContain(CLEAR);
    expect(question).not.toContain(HOME_CURSOR);
    expect(question).not.toContain('\u202E');
    expect(question).toContain('^[[2J^[[Happroval needed: ls -la');
    expect(question).toContain('\\u{202e}gnp.exe');
    // The preview saw the file the command would make; its name is shown the same way.
    expect(question).toContain('added   ./name^[[2Jx');
    c.type('y\r');
    await c.waitFor(/Done\.[\s\S]*\[aios\] > $/, 0, 60_000);
    const all = c.raw().slice(rawBefore);
    // The command did print the sequence: the terminal was shown it, not given it.
    expect(fs.readdirSync(work).some((f) => f.includes('\x1b[2J'))).toBe(true);
    expect(all).not.toContain(CLEAR);
    expect(all).not.toContain(HOME_CURSOR);
    expect(c.text()).toMatch(/\^\[\[2J\^\[\[Happroval needed: ls -la\n/);
  }, 120_000);
});
