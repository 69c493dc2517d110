import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { makeDirs, writeConfig, type Lists } from '../agent/harness';
import { startLlmServer, type LlmServer, type LlmServerOptions } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

/** The `[aios] >` prompt at the end of the output: aios waits for the next line. */
export const PROMPT = /\[aios\] > $/;

export interface ChatWorldOptions {
  /** A fresh world per test (`each`, the default) or one for the file (`all`). */
  scope?: 'each' | 'all';
  /** `[ai]` beyond base_url and model (which point at the scripted server); `false` writes no config.toml. */
  ai?: Record<string, string | number> | false;
  lists?: Lists;
  server?: LlmServerOptions;
}

export interface ChatWorld {
  /** The scripted stand-in for the model provider. */
  readonly server: LlmServer;
  /** The test's folder and the environment aios runs with (HOME, XDG_CONFIG_HOME, AIOS_CONFIG_DIR inside it). */
  readonly dirs: { dir: string; env: Record<string, string> };
  readonly home: string;
  /** An empty folder beside HOME, the chats' default working directory. */
  readonly work: string;
  readonly configFile: string;
  /** The chat started last (throws before the first start). */
  readonly chat: ChatPty;
  /** Starts `aios chat` in a pty and waits for its first prompt; a chat still running is ended first. */
  start(opts?: { cwd?: string; env?: Record<string, string>; args?: string[]; oneProcess?: boolean }): Promise<ChatPty>;
  /** Types a line and waits for the prompt after it; returns what was printed since. */
  line(text: string, timeoutMs?: number): Promise<string>;
}

/**
 * The set-up every `aios chat` test repeats: a scripted model server, fresh
 * HOME and config folders, a config.toml pointing at the server, and the
 * chat in a real pty; all of it ended and removed after each test (or file).
 */
export function chatWorld(o: ChatWorldOptions = {}): ChatWorld {
  let server: LlmServer | undefined;
  let dirs: { dir: string; env: Record<string, string> } | undefined;
  let chat: ChatPty | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`chatWorld: ${what} is used before it exists (inside a test only)`);
    return v;
  };
  const setUp = async () => {
    server = await startLlmServer([], o.server);
    dirs = makeDirs();
    if (o.ai !== false) writeConfig(dirs.env, { base_url: server.baseUrl, model: 'scripted', ...o.ai }, o.lists ?? {});
  };
  const tearDown = async () => {
    if (server && dirs) await stopChatWorld({ chat, server, dir: dirs.dir });
    chat = undefined;
    server = undefined;
    dirs = undefined;
  };
  if (o.scope === 'all') {
    beforeAll(setUp);
    afterAll(tearDown);
  } else {
    beforeEach(setUp);
    afterEach(tearDown);
  }
  const world: ChatWorld = {
    get server() {
      return need(server, 'the server');
    },
    get dirs() {
      return need(dirs, 'the folders');
    },
    get home() {
      return world.dirs.env.HOME!;
    },
    get work() {
      return path.join(world.dirs.dir, 'work');
    },
    get configFile() {
      return path.join(world.dirs.env.AIOS_CONFIG_DIR!, 'config.toml');
    },
    get chat() {
      return need(chat, 'the chat');
    },
    async start(s = {}) {
      if (chat) {
        chat.kill();
        await chat.exited;
      }
      chat = startChat(chatEnv(world.dirs.env, s.env), s.cwd ?? world.work, s.args ?? [], {
        ...(s.oneProcess ? { oneProcess: true } : {}),
      });
      await chat.waitFor(PROMPT, 0, 30_000);
      return chat;
    },
    async line(text, timeoutMs = 15_000) {
      const c = world.chat;
      const m = c.mark();
      c.type(`${text}\r`);
      await c.waitFor(PROMPT, m + 1, timeoutMs);
      return c.text().slice(m);
    },
  };
  return world;
}
