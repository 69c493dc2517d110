import { describe, expect, it } from 'vitest';
import { writeConfig } from '../agent/harness';
import { lastMessage } from '../support/llm-server';
import { chatWorld } from './chat-world';

const ESC = String.fromCharCode(27);
const world = chatWorld({ ai: { request_timeout_s: 5, approval_timeout_s: 60 }, lists: { auto_allow: ['seq*', 'printf*'] } });
const open = (env?: Record<string, string>) => world.start(env ? { env } : {});

const ANSWER = [
  '## Installed',
  '',
  'Run **hello** to try it, or see `man hello`.',
  '',
  '- [x] downloaded',
  '- [ ] configured',
  '',
  '| package | size |',
  '|---|---:|',
  '| hello | 52 KB |',
  '| 日本語 | 1 KB |',
  '',
  '```sh',
  'hello --version',
  '```',
  '',
].join('\n');

describe('aios chat transcripts: Markdown, paste, folded output', () => {
  it('renders Markdown for the terminal: no ##, no **, task boxes, aligned table, indented code (NO_COLOR)', async () => {
    const c = await open();
    world.server.push({ text: ANSWER });
    const m = c.mark();
    c.type('what did you do?\r');
    await c.waitFor(/hello --version[\s\S]*\[aios\] > $/, m);
    const t = c.text().slice(m);
    expect(t).toContain('Installed\n');
    expect(t).not.toContain('##');
    expect(t).not.toContain('**');
    expect(t).toContain('Run hello to try it, or see man hello.');
    expect(t).toContain('☑ downloaded');
    expect(t).toContain('☐ configured');
    // Columns line up in terminal cells: the CJK word is 6 cells wide like "hello " plus one.
    expect(t).toContain('package │  size');
    expect(t).toContain('hello   │ 52 KB');
    expect(t).toContain('日本語  │  1 KB');
    expect(t).toContain('    hello --version');
    expect(c.raw().slice(m)).not.toContain(`${ESC}[1m`);
  });

  it('with colour, headings and emphasis are styled instead of marked up', async () => {
    const c = await open({ NO_COLOR: '' });
    world.server.push({ text: ANSWER });
    const m = c.mark();
    c.type('again\r');
    await c.waitFor(/hello --version[\s\S]*\[aios\] > /, m);
    expect(c.raw().slice(m)).toContain(`${ESC}[1m${ESC}[36mInstalled`);
    expect(c.raw().slice(m)).toContain(`${ESC}[1mhello${ESC}[22m`);
  });

  it('a three-line bracketed paste reaches the model as one message', async () => {
    const c = await open();
    world.server.push({ text: 'got it' });
    const m = c.mark();
    c.type(`${ESC}[200~first line\rsecond line\rthird line${ESC}[201~`);
    await c.waitFor(/3 lines pasted/, m);
    c.type('\r');
    await c.waitFor(/got it[\s\S]*\[aios\] > $/, m);
    expect(world.server.requests).toHaveLength(1);
    expect(lastMessage(world.server.requests[0]!.body, 'user')).toBe('first line\nsecond line\nthird line');
    expect(c.text().slice(m)).not.toContain('still working');
  });

  it('an approval shows what the AI wants and why, the rule once, and the time left counting down', async () => {
    writeConfig(
      world.dirs.env,
      { base_url: world.server.baseUrl, model: 'scripted', request_timeout_s: 5, approval_timeout_s: 60 },
      { require_approval: ['touch*'] },
    );
    const c = await open();
    world.server.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: 'touch marker', reason: 'to mark that the backup ran' } }] },
      { text: 'done' },
    );
    const m = c.mark();
    c.type('mark it\r');
    await c.waitFor(/Run it\? \[y\/N\] \((\d+) s\) $/, m);
    const t = c.text().slice(m);
    expect(t).toContain('approval needed: touch marker');
    expect(t).toContain('  AI: to mark that the backup ran');
    expect(t.split('"touch*"').length - 1).toBe(2); // once on the command line's badge, once in the approval
    const first = Number(/\((\d+) s\) $/.exec(c.text())![1]);
    expect(first).toBeLessThanOrEqual(60);
    await c.waitFor(new RegExp(`Run it\\? \\[y\\/N\\] \\((${first - 2}|${first - 3}) s\\) $`), m, 10_000);
    c.type('n\r');
    await c.waitFor(/not run: declined by the person[\s\S]*\[aios\] > $/, m);
  });

  it('folds long command output to head and tail, and /output shows all of it', async () => {
    const c = await open();
    let m = c.mark();
    c.type('!seq 1 500\r');
    await c.waitFor(/exit 0[\s\S]*\[aios\] > $/, m);
    const t = c.text().slice(m);
    expect(t).toMatch(/\n40\n/);
    expect(t).not.toMatch(/\n41\n/);
    expect(t).not.toMatch(/\n490\n/);
    expect(t).toContain('… 450 more lines folded (/output shows all 500 lines)');
    expect(t).toMatch(/\n491\n[\s\S]*\n500\n/);
    m = c.mark();
    c.type('/output\r');
    await c.waitFor(/\n500\n[\s\S]*\[aios\] > $/, m);
    const all = c.text().slice(m);
    for (const n of [1, 41, 250, 499]) expect(all).toContain(`\n${n}\n`);
  });
});
