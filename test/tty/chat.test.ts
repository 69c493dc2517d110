import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { CommandLog } from '../../src/core/memory';
import { writeConfig, type Lists } from '../agent/harness';
import { lastMessage } from '../support/llm-server';
import { chatWorld } from './chat-world';
import { isAlive } from '../support/process';

/** A foreground-colour escape (ESC [ 3x m). */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[3[0-9]m`);
const CYAN_PROMPT = `${String.fromCharCode(27)}[36m[aios]`;

const lists: Lists = { auto_allow: ['printf*'], notify: ['echo*'], require_approval: ['touch*'], deny: ['mkdir*'] };
const world = chatWorld({ ai: { request_timeout_s: 5, approval_timeout_s: 60 }, lists });

const echoTool = () => world.server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
/** `env`: what this chat's environment changes from chatEnv's. */
const open = (env: Record<string, string> = {}) => world.start({ env, cwd: world.work });

describe('aios chat in a real pty', () => {
  it('(1) streams the answer and shows a notify command with its decision before its output', async () => {
    const c = await open();
    expect(c.text()).toContain('scripted @ ' + world.server.baseUrl);
    world.server.push({
      text: 'Checking. ',
      toolCalls: [{ name: 'run_command', arguments: { command: 'echo hello-from-pty', reason: 'hi' } }],
    });
    echoTool();
    const m = c.mark();
    c.type('say hello\r');
    await c.waitFor(/Result: .*hello-from-pty[\s\S]*\[aios\] > $/, m);
    const t = c.text().slice(m);
    const shown = t.indexOf('$ echo hello-from-pty  [notify] (notify: "echo*")');
    expect(shown).toBeGreaterThan(-1);
    expect(t.indexOf('hello-from-pty\n', shown + 40)).toBeGreaterThan(shown);
    expect(t).toMatch(/! running \(notify/);
    expect(t).toMatch(/\[exit 0 · /);
    // NO_COLOR: not one colour escape.
    expect(c.raw().slice(m)).not.toMatch(COLOUR);
  });

  it('(2) approval is a y/N prompt showing command and rule; Enter means No and nothing runs', async () => {
    const canary = path.join(world.dirs.dir, 'canary');
    const c = await open();
    world.server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'x' } }] });
    echoTool();
    const m = c.mark();
    c.type('make the canary\r');
    await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $/, m);
    const t = c.text().slice(m);
    expect(t).toContain(`approval needed: touch ${canary}`);
    expect(t).toContain('rule: require_approval: "touch*"');
    c.type('\r');
    await c.waitFor(/not run: declined by the person[\s\S]*Result: [\s\S]*\[aios\] > $/, m);
    expect(fs.existsSync(canary)).toBe(false);
    expect(lastMessage(world.server.requests[1]!.body, 'tool')).toContain('"ran":false');
    // y runs it.
    world.server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'x' } }] });
    const m2 = c.mark();
    c.type('again please\r');
    await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $/, m2);
    c.type('y\r');
    await c.waitFor(/\[exit 0 ·[\s\S]*\[aios\] > $/, m2);
    expect(fs.existsSync(canary)).toBe(true);
  });

  it('(3) deny never runs even when the model insists; !cmd obeys the same policy', async () => {
    const made = path.join(world.dirs.dir, 'made');
    const c = await open();
    const insist = { toolCalls: [{ name: 'run_command', arguments: { command: `mkdir ${made}`, reason: 'x' } }] };
    world.server.push(insist, insist, { text: 'The policy forbids it.' });
    let m = c.mark();
    c.type('make a dir\r');
    await c.waitFor(/The policy forbids it\.[\s\S]*\[aios\] > $/, m);
    expect(c.text().slice(m)).toMatch(/\[denied\][\s\S]*not run: denied by the permission policy[\s\S]*not run: denied/);
    expect(fs.existsSync(made)).toBe(false);
    m = c.mark();
    c.type(`!mkdir ${made}\r`);
    await c.waitFor(/not run: denied by the permission policy[\s\S]*\[aios\] > $/, m);
    expect(c.text().slice(m)).toContain(`$ mkdir ${made}  [denied] (deny: "mkdir*")`);
    expect(fs.existsSync(made)).toBe(false);
    m = c.mark();
    c.type('!printf direct-ok\r');
    await c.waitFor(/direct-ok[\s\S]*\[exit 0[\s\S]*\[aios\] > $/, m);
  });

  it('(4) recall_history answers "what did I install yesterday?"; /history and /memory show the store', async () => {
    const history = new CommandLog(loadConfig({ env: world.dirs.env }).paths.memoryDb);
    const y = new Date();
    y.setDate(y.getDate() - 1);
    y.setHours(10, 0, 0, 0);
    history.record({ command: 'pacman -S ripgrep', decision: 'notify', approver: 'notify', exitCode: 0, startedAt: y, endedAt: y });
    history.close();
    const c = await open();
    world.server.push({ toolCalls: [{ name: 'recall_history', arguments: { range: 'yesterday', query: 'pacman -S' } }] });
    echoTool();
    let m = c.mark();
    c.type('What did I install yesterday?\r');
    await c.waitFor(/Result: .*ripgrep[\s\S]*\[aios\] > $/, m);
    expect(c.text().slice(m)).toContain('→ recall_history');
    m = c.mark();
    c.type('/history pacman\r');
    await c.waitFor(/notify\s+exit 0\s+pacman -S ripgrep[\s\S]*\[aios\] > $/, m);
    // With no mcp.json, aios offers aigpt's tools (served in-process when aigpt is not installed); its own step aside.
    const names = world.server.requests[0]!.body.tools!.map((x) => x.function.name);
    expect(names).toEqual(expect.arrayContaining(['run_command', 'recall_history', 'aigpt__create_ai_memory']));
    expect(names).not.toContain('create_ai_memory');
    world.server.push(
      { toolCalls: [{ name: 'aigpt__create_ai_memory', arguments: { content: '好きなお茶は緑茶' } }] },
      { text: '覚えました' },
    );
    m = c.mark();
    c.type('緑茶が好きです\r');
    await c.waitFor(/覚えました[\s\S]*\[aios\] > $/, m);
    m = c.mark();
    c.type('/memory 緑茶\r');
    await c.waitFor(/好きなお茶は緑茶[\s\S]*\[aios\] > $/, m);
    m = c.mark();
    c.type('/memory zeppelins\r');
    await c.waitFor(/No memory matches “zeppelins”\.[\s\S]*\[aios\] > $/, m);
  });

  it('(5) Ctrl-C during a long command kills its process group and the prompt comes back', async () => {
    const pidFile = path.join(world.dirs.dir, 'pid');
    const c = await open();
    world.server.push({
      toolCalls: [
        {
          name: 'run_command',
          arguments: { command: `sh -c 'read -r me _ < /proc/self/stat; echo $me > ${pidFile}; sleep 30' & wait`, reason: 'long' },
        },
      ],
    });
    const m = c.mark();
    c.type('run something long\r');
    await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $/, m);
    c.type('y\r');
    const end = Date.now() + 10_000;
    while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim())) {
      if (Date.now() > end) throw new Error('command did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    c.type('\x03');
    await c.waitFor(/\(cancelled\)[\s\S]*\[aios\] > $/, m);
    for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
    expect(isAlive(pid)).toBe(false);
  });

  it('(6) a provider failure is shown and the next question works', async () => {
    const c = await open();
    world.server.push({ status: 401 }, { text: 'working again' });
    let m = c.mark();
    c.type('first\r');
    await c.waitFor(/error: .*OPENAI_API_KEY[\s\S]*\[aios\] > $/, m);
    m = c.mark();
    c.type('second\r');
    await c.waitFor(/working again[\s\S]*\[aios\] > $/, m);
  });

  it('(7) leaving with Ctrl-D and coming back restores the conversation', async () => {
    let c = await open();
    world.server.push({ text: 'Nice to meet you.' });
    const m = c.mark();
    c.type('私の名前はエイダです\r');
    await c.waitFor(/Nice to meet you\.[\s\S]*\[aios\] > $/, m);
    c.type('\x04');
    expect(await c.exited).toBe(0);
    c = await open();
    expect(c.text()).toContain('conversation restored');
    expect(c.text()).toContain('you: 私の名前はエイダです');
    world.server.push({ text: 'エイダさんです' });
    const m2 = c.mark();
    c.type('私の名前は？\r');
    await c.waitFor(/エイダさんです[\s\S]*\[aios\] > $/, m2);
    expect(world.server.requests.at(-1)!.body.messages.map((x) => x.content)).toEqual(
      expect.arrayContaining(['私の名前はエイダです', 'Nice to meet you.', '私の名前は？']),
    );
  });

  it('edits Japanese text correctly (backspace removes one whole character)', async () => {
    const c = await open();
    world.server.push({ text: 'ok' });
    const m = c.mark();
    c.type('日本語のテキストX');
    c.type('\x7f');
    c.type('\r');
    await c.waitFor(/ok[\s\S]*\[aios\] > $/, m);
    expect(lastMessage(world.server.requests[0]!.body, 'user')).toBe('日本語のテキスト');
  });

  it('/help, /clear and /terminal (exit comes back)', async () => {
    const c = await open();
    let m = c.mark();
    c.type('/help\r');
    await c.waitFor(/\/terminal[\s\S]*\[aios\] > $/, m);
    m = c.mark();
    c.type('/terminal\r');
    await c.waitFor(/type exit to return/, m);
    c.type('echo inside-$((40+2))\r');
    await c.waitFor(/inside-42/, m);
    c.type('exit\r');
    await c.waitFor(/\(back in aios\)[\s\S]*\[aios\] > $/, m);
    m = c.mark();
    c.type('/clear\r');
    await c.waitFor(/\(new conversation\)[\s\S]*\[aios\] > $/, m);
  });

  it('without a provider it says what to set, and !cmd still works', async () => {
    writeConfig(world.dirs.env, {}, lists);
    const c = await open({ OLLAMA_HOST: '127.0.0.1:9' });
    expect(c.text()).toMatch(/no AI provider/);
    expect(c.text()).toMatch(/type \/setup to choose one/);
    const m = c.mark();
    c.type('!printf works-anyway\r');
    await c.waitFor(/works-anyway[\s\S]*\[aios\] > $/, m);
  });

  it('colours on a colour terminal, none with TERM=dumb', async () => {
    let c = await open({ NO_COLOR: '' });
    expect(c.raw()).toContain(CYAN_PROMPT);
    c.type('\x04');
    await c.exited;
    c = await open({ NO_COLOR: '', TERM: 'dumb' });
    expect(c.raw()).not.toMatch(COLOUR);
  });
});
