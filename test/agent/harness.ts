import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { Core } from '../../src/core/core';
import type { CommandPolicy } from '../../src/core/gate';
import type { CallName, CallRequest, EventName, EventPayload } from '../../src/shared/contract';
import type { Decision } from '../../src/shared/policy';

/** `[permissions]` lists written to config.toml; the real PolicyEngine judges against them. */
export type Lists = Partial<Record<Decision, string[]>>;

export interface Seen {
  name: EventName;
  payload: EventPayload<EventName>;
}

export interface Harness {
  dir: string;
  env: Record<string, string>;
  core: Core;
  events: Seen[];
  call<N extends CallName>(name: N, req: CallRequest<N>): Promise<unknown>;
  /** Sends text and waits for the turn to end; returns its status and the text streamed. */
  turn(text: string): Promise<{ turnId: string; status: string; text: string; events: Seen[] }>;
  /** Answers every approval request with `approved`. */
  autoAnswer(approved: boolean | undefined): void;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export function makeDirs(): { dir: string; env: Record<string, string> } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-agent-')));
  const env = {
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    AIOS_CONFIG_DIR: path.join(dir, 'cfg'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    USER: 'tester',
  };
  for (const d of [env.HOME, env.XDG_CONFIG_HOME, env.AIOS_CONFIG_DIR, path.join(dir, 'work')]) fs.mkdirSync(d, { recursive: true });
  return { dir, env };
}

export function writeConfig(env: Record<string, string>, ai: Record<string, string | number>, lists: Lists = {}): void {
  const aiLines = Object.entries(ai).map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  const permLines = Object.entries(lists).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  fs.writeFileSync(path.join(env.AIOS_CONFIG_DIR!, 'config.toml'), ['[ai]', ...aiLines, '', '[permissions]', ...permLines, ''].join('\n'));
}

export async function startHarness(opts: {
  ai: Record<string, string | number>;
  lists: Lists; /** Default: the real PolicyEngine over `lists`. */
  policy?: CommandPolicy;
  dirs?: { dir: string; env: Record<string, string> };
}): Promise<Harness> {
  const { dir, env } = opts.dirs ?? makeDirs();
  writeConfig(env, opts.ai, opts.lists);
  const events: Seen[] = [];
  let answer: boolean | undefined;
  const policy = opts.policy;
  const build = () => {
    const core = new Core({
      host: 'web',
      env,
      cwd: path.join(dir, 'work'),
      ...(policy ? { policy: () => Promise.resolve(policy) } : {}),
      mcp: false,
      chat: { ollamaUrl: 'http://127.0.0.1:9' },
    });
    core.events.onAny((name, payload) => {
      events.push({ name, payload });
      if (name === 'chat.approvalRequest' && answer !== undefined) {
        const p = payload as EventPayload<'chat.approvalRequest'>;
        void dispatchCall(core.handlers, 'chat.approve', { requestId: p.requestId, approved: answer }, { clientId: 'test' });
      }
    });
    return core;
  };
  const h: Harness = {
    dir,
    env,
    core: build(),
    events,
    async call(name, req) {
      const r = await dispatchCall(h.core.handlers, name, req, { clientId: 'test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value;
    },
    async turn(text) {
      const start = events.length;
      const { turnId } = (await h.call('chat.send', { text })) as { turnId: string };
      const done = await new Promise<EventPayload<'chat.turnDone'>>((resolve) => {
        const off = h.core.events.on('chat.turnDone', (p) => {
          if (p.turnId === turnId) {
            off();
            resolve(p);
          }
        });
      });
      const mine = events.slice(start);
      const streamed = mine
        .filter((e) => e.name === 'chat.delta' && (e.payload as EventPayload<'chat.delta'>).turnId === turnId)
        .map((e) => (e.payload as EventPayload<'chat.delta'>).text)
        .join('');
      return { turnId, status: done.status, text: streamed, events: mine };
    },
    autoAnswer(a) {
      answer = a;
    },
    async restart() {
      await h.core.close();
      h.core = build();
    },
    async close() {
      await h.core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export function named<E extends EventName>(events: Seen[], name: E): Array<EventPayload<E>> {
  return events.filter((e) => e.name === name).map((e) => e.payload as EventPayload<E>);
}
