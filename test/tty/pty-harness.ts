import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pty from 'node-pty';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(root, 'node_modules/.bin/tsx');
const CLI = path.join(root, 'src/hosts/cli.ts');

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

export interface ChatPty {
  /** Everything printed so far, ANSI sequences removed. */
  text(): string;
  raw(): string;
  /** The pty's first process (aios itself with `oneProcess`, else tsx, which starts aios as its child). */
  pid: number;
  type(s: string): void;
  /** Waits until the output after `from` matches. Returns the index after the match. */
  waitFor(re: RegExp, from?: number, timeoutMs?: number): Promise<number>;
  mark(): number;
  exited: Promise<number>;
  kill(): void;
}

/**
 * `aios chat` in a pty. With `oneProcess`, Node loads tsx as a hook instead
 * of tsx relaunching Node as a child: aios is then the pty's only process,
 * as when installed (a test about what its process exposes needs that).
 */
export function startChat(
  env: Record<string, string>,
  cwd: string,
  extraArgs: string[] = [],
  opts: { oneProcess?: boolean } = {},
): ChatPty {
  // tsx runs on whatever `node` is first in PATH: make it the project's Node 24 (better-sqlite3 crashes on the system Node 20).
  const PATH = `${path.join(root, 'node_modules/.bin')}:${env.PATH ?? '/usr/bin:/bin'}`;
  const [file, args] = opts.oneProcess
    ? [
        path.join(root, 'node_modules/.bin/node'),
        ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/esm/index.mjs')).href, CLI, 'chat', ...extraArgs],
      ]
    : [TSX, [CLI, 'chat', ...extraArgs]];
  const p = pty.spawn(file, args, { name: env.TERM ?? 'xterm-256color', cols: 120, rows: 40, cwd, env: { ...env, PATH } });
  let out = '';
  p.onData((d) => {
    out += d;
  });
  const exited = new Promise<number>((resolve) => p.onExit((e) => resolve(e.exitCode)));
  let alive = true;
  void exited.then(() => (alive = false));
  const clean = () => out.replace(ANSI, '').replace(/\r/g, '');
  return {
    pid: p.pid,
    text: clean,
    raw: () => out,
    type: (s) => p.write(s),
    mark: () => clean().length,
    async waitFor(re, from = 0, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const t = clean().slice(from);
        const m = re.exec(t);
        if (m) return from + m.index + m[0].length;
        if (Date.now() > end) throw new Error(`timed out waiting for ${re} in:\n${(process.env.PTY_DEBUG ? clean() : t).slice(-4000)}`);
        if (!alive) throw new Error(`aios chat exited while waiting for ${re}:\n${t.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited,
    kill: () => {
      if (alive) p.kill('SIGKILL');
    },
  };
}

/** The environment every `aios chat` test gives the chat: a plain, colourless xterm, no real Ollama. */
export function chatEnv(base: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return { ...base, TERM: 'xterm-256color', NO_COLOR: '1', SHELL: '/bin/sh', LANG: 'C.UTF-8', OLLAMA_HOST: '127.0.0.1:9', ...extra };
}

/** Ends a test's chat, its model server and its folder, whatever state the test left them in. */
export async function stopChatWorld(w: { chat: ChatPty | undefined; server: { close(): Promise<void> }; dir: string }): Promise<void> {
  w.chat?.kill();
  if (w.chat) await w.chat.exited;
  await w.server.close();
  fs.rmSync(w.dir, { recursive: true, force: true });
}
