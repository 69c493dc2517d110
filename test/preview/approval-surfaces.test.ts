/**
 * Preview before approval, end to end: through `aios chat` (a real pty, the scripted LLM
 * stand-in), the approval for `rm -rf ./build` lists the files of ./build as
 * what would be deleted before anyone answers; declining leaves them all in
 * place; the model's tool result carries the same summary. Also the native
 * dialog's text and the web modal's preview section.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/core/gate';
import { approvalBoxOptions } from '../../src/hosts/electron/approval-dialog';
import type { Preview } from '../../src/shared/preview';
import { makeDirs, writeConfig } from '../agent/harness';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { waitFor } from '../support/temp';
import { pidsWithArgv } from '../../e2e/processes';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from '../tty/pty-harness';

const PREVIEW: Preview = {
  ran: true,
  lines: ['would delete 2 files and 1 directory (12.0 KB) in ./build', 'would change /etc/hosts: +1 −0'],
  limits: [
    'the network was off in the preview: effects that need it (downloads, remote changes) are not shown (guessed from the program names and errors)',
  ],
  changes: [
    { path: '/p/build', display: './build', kind: 'deleted', type: 'dir', size: 0 },
    { path: '/p/build/a.o', display: './build/a.o', kind: 'deleted', type: 'file', size: 4096 },
    { path: '/p/build/b.o', display: './build/b.o', kind: 'deleted', type: 'file', size: 8192 },
    {
      path: '/etc/hosts',
      display: '/etc/hosts',
      kind: 'changed',
      type: 'file',
      size: 40,
      oldSize: 30,
      diff: '--- /etc/hosts\n+++ /etc/hosts\n@@ -1,1 +1,2 @@\n 127.0.0.1 localhost\n+10.0.0.1 db',
      added: 1,
      removed: 0,
    },
  ],
  omitted: 0,
  exitCode: 0,
  timedOut: false,
  durationMs: 40,
};

describe('the approval surfaces show the preview', () => {
  it('native dialog: the summary, the limits and the list are in the detail text', () => {
    const request: ApprovalRequest = {
      requestId: '01HAPPROVAL',
      callId: 'c',
      turnId: 't',
      command: 'rm -rf ./build',
      cwd: '/p',
      decision: 'require_approval',
      rule: 'require_approval: "rm -rf*"',
      reasons: [],
      timeoutMs: 60_000,
      preview: PREVIEW,
    };
    const detail = String(approvalBoxOptions(request, new AbortController().signal).detail);
    expect(detail).toContain('would delete 2 files and 1 directory (12.0 KB) in ./build');
    expect(detail).toContain('would change /etc/hosts: +1 −0');
    expect(detail).toContain('⚠ the network was off in the preview');
    expect(detail).toContain('deleted ./build/a.o');
    const without = String(approvalBoxOptions({ ...request, preview: undefined }, new AbortController().signal).detail);
    expect(without).not.toContain('Preview');
  });

  it('web modal: a preview section with the lines, the limits and every change behind a disclosure', async () => {
    // Loaded by path: the Node TypeScript project does not compile the renderer's TSX (vitest does).
    const modal = path.resolve('src/renderer/src/components/ApprovalPreview.tsx');
    const { ApprovalPreview } = (await import(/* @vite-ignore */ modal)) as { ApprovalPreview: FunctionComponent<{ preview: Preview }> };
    const html = renderToStaticMarkup(createElement(ApprovalPreview, { preview: PREVIEW }));
    expect(html).toContain('data-testid="approval-preview"');
    expect(html).toContain('<li>would delete 2 files and 1 directory (12.0 KB) in ./build</li>');
    expect(html).toContain('⚠ the network was off');
    expect(html).toMatch(/<details[^>]*><summary>All 4 changes<\/summary>/);
    expect(html).toContain('<code>./build/b.o</code>');
    expect(html).toContain('+10.0.0.1 db');
  });
});

describe('aios chat: preview before approval (real pty, real overlay)', () => {
  let server: LlmServer;
  let dirs: { dir: string; env: Record<string, string> };
  let chat: ChatPty | undefined;
  beforeEach(async () => {
    server = await startLlmServer();
    dirs = makeDirs();
    writeConfig(
      dirs.env,
      { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 5, approval_timeout_s: 60 },
      { require_approval: ['rm*'] },
    );
  });
  afterEach(async () => {
    await stopChatWorld({ chat, server, dir: dirs.dir });
    chat = undefined;
  });

  it('lists the files of ./build as what rm -rf ./build would delete; declining leaves them all', async () => {
    const work = path.join(dirs.dir, 'work');
    const files = { 'build/app.o': 'a'.repeat(5000), 'build/lib/util.o': 'b'.repeat(6000), 'build/README': 'built\n' };
    for (const [rel, body] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
      fs.writeFileSync(path.join(work, rel), body);
    }
    const hash = () =>
      Object.keys(files).map((rel) =>
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(work, rel)))
          .digest('hex'),
      );
    const before = hash();
    const env = chatEnv(dirs.env);
    chat = startChat(env, work);
    await chat.waitFor(/\[aios\] > $/, 0, 30_000);
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'rm -rf ./build', reason: 'clean the build' } }] });
    server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
    const m = chat.mark();
    chat.type('clean the build\r');
    // The question comes at once, saying the preview is on its way; the preview then fills in above the prompt.
    const preparing = await chat.waitFor(/preparing the preview…[\s\S]*Run it\? \[y\/N\] \(\d+ s\) $/, m, 30_000);
    await chat.waitFor(
      /would delete 3 files and 2 directories \(10\.7 KB\) in \.\/build[\s\S]*Run it\? \[y\/N\] \(\d+ s\) $/,
      preparing,
      30_000,
    );
    const asked = chat.text().slice(m);
    expect(asked).toContain('approval needed: rm -rf ./build');
    for (const rel of Object.keys(files)) expect(asked).toContain(`deleted ./${rel}`);
    // Before any answer, nothing is gone.
    expect(hash()).toEqual(before);
    chat.type('n\r');
    await chat.waitFor(/not run: declined by the person[\s\S]*Result: [\s\S]*\[aios\] > $/, m);
    expect(hash()).toEqual(before);
    const toolResult = lastMessage(server.requests[1]!.body, 'tool');
    expect(toolResult).toContain('"ran":false');
    expect(toolResult).toContain('would delete 3 files and 2 directories (10.7 KB) in ./build');
  }, 60_000);

  it('an answer before the preview ends counts, and the preview is stopped', async () => {
    fs.appendFileSync(path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'), '\n[preview]\ntime_limit_s = 120\n');
    const work = path.join(dirs.dir, 'work');
    chat = startChat(chatEnv(dirs.env), work);
    await chat.waitFor(/\[aios\] > $/, 0, 30_000);
    const command = 'rm -rf ./gone; sleep 93.17';
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: 'wait' } }] });
    server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
    const m = chat.mark();
    chat.type('wait a while\r');
    await chat.waitFor(/preparing the preview…[\s\S]*Run it\? \[y\/N\] \(\d+ s\) $/, m, 30_000);
    await waitFor(() => pidsWithArgv(['sleep', '93.17']).length > 0, 20_000, 'the preview running its copy');
    chat.type('n\r');
    await chat.waitFor(/not run: declined by the person[\s\S]*Result: [\s\S]*\[aios\] > $/, m);
    await waitFor(() => pidsWithArgv(['sleep', '93.17']).length === 0, 20_000, 'the abandoned preview to be gone');
    expect(chat.text().slice(m)).not.toContain('preview (nothing was changed)');
  }, 60_000);
});
