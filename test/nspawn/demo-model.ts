/**
 * The demo of the booted-machine test: the package it installs and what the
 * scripted model (a stand-in for a real LLM) answers, decided from what it
 * is sent, as a real model would.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lastMessage, type ChatRequestBody, type Step } from '../support/llm-server';

/** A package the demo installs with no network: `hello`, one script in /usr/bin. */
export function buildHelloDeb(work: string, out: string): void {
  const tree = path.join(work, 'hello-pkg');
  fs.mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
  fs.writeFileSync(
    path.join(tree, 'DEBIAN/control'),
    'Package: hello\nVersion: 1.0-aios-test\nArchitecture: all\nMaintainer: aios tests <tests@aios.invalid>\nDescription: says hello (built by the aios machine test)\n',
  );
  fs.writeFileSync(path.join(tree, 'usr/bin/hello'), '#!/bin/sh\necho "Hello from the aios machine test"\n', { mode: 0o755 });
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, out], { stdio: 'ignore' });
}

/** The model's side of the demo: what a real model would do, decided from what it is sent. */
export function respond(body: ChatRequestBody): Step {
  const last = body.messages[body.messages.length - 1];
  if (last?.role === 'tool') {
    const call = body.messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id);
    const result = last.content ?? '';
    if (call?.function.name === 'recall_history') {
      const pkg = /apt-get install -y \.\/([\w.+-]+)\.deb/.exec(result)?.[1];
      return { text: pkg ? `You installed ${pkg} (sudo apt-get install -y ./${pkg}.deb).` : 'I found no install in the history.' };
    }
    if (call?.function.name.endsWith('create_ai_memory')) return { text: /"success":\s*false|error/i.test(result) ? `Could not save: ${result}` : 'Saved to the shared memory.' };
    // A transaction's note (the card's "changed: …") reaches the model too: it says so, as a real model would.
    return { text: `Done: ${call?.function.name ?? 'tool'} finished.${result.includes('[aios] transaction: ') && result.includes('(it can be undone: /undo)') ? ' It ran as a transaction: /undo takes it back.' : ''}` };
  }
  const said = lastMessage(body, 'user');
  if (/install hello/i.test(said)) {
    return { text: 'Installing hello.', toolCalls: [{ name: 'run_command', arguments: { command: 'sudo apt-get install -y ./hello.deb', reason: 'install the hello package you gave me' } }] };
  }
  // "run: COMMAND": the person names the command; the model runs exactly that (the transaction series).
  const named = /^run: (.+)$/s.exec(said.trim());
  if (named) return { text: 'Running it.', toolCalls: [{ name: 'run_command', arguments: { command: named[1]!, reason: 'you asked for exactly this command' } }] };
  if (/what did i install/i.test(said)) return { text: 'Looking at the history.', toolCalls: [{ name: 'recall_history', arguments: { query: 'install' } }] };
  const remember = /remember that (.+)/i.exec(said);
  if (remember) {
    // The memory tool as offered: built in, or through the aigpt MCP server (aigpt__create_ai_memory).
    const tool = body.tools?.map((t) => t.function.name).find((n) => n.endsWith('create_ai_memory')) ?? 'create_ai_memory';
    return { toolCalls: [{ name: tool, arguments: { content: remember[1]! } }] };
  }
  return { text: 'I only know the test script.' };
}
