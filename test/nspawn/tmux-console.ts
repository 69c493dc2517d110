/**
 * A terminal a test types into and reads, as a person at a console would:
 * one tmux window per program, on a tmux server of the test's own. Used for
 * the consoles of booted machines and of `podman run -it` (programs whose
 * console turns read-only when their output is piped).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * tmux on a socket of its own, with a config that keeps a window whose
 * program ended (remain-on-exit), so a failed start's last words stay readable.
 */
export function tmuxArgs(socket: string): string[] {
  const conf = path.join(os.tmpdir(), `${socket}.tmux.conf`);
  if (!fs.existsSync(conf)) fs.writeFileSync(conf, 'set-option -g remain-on-exit on\nset-option -g history-limit 5000\n');
  return ['-f', conf, '-L', socket];
}

function ok(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class TmuxConsole {
  private readonly tmux: string[];
  private readonly target: string;

  constructor(
    socket: string,
    readonly window: string,
    private readonly alive: () => boolean,
  ) {
    this.tmux = tmuxArgs(socket);
    this.target = `aios-test:${window}`;
  }

  /** Starts COMMAND in a new window (the server's first window makes the session); returns the pane's pid. */
  static start(socket: string, window: string, command: string[]): number {
    const tmux = tmuxArgs(socket);
    const create = ok('tmux', [...tmux, 'has-session'])
      ? ['new-window', '-d', '-n', window, '-P', '-F', '#{pane_pid}']
      : ['new-session', '-d', '-s', 'aios-test', '-n', window, '-x', '150', '-y', '45', '-P', '-F', '#{pane_pid}'];
    return Number(execFileSync('tmux', [...tmux, ...create, ...command], { encoding: 'utf8' }).trim());
  }

  /** What the window shows now (with its scrollback). */
  screen(): string {
    try {
      return execFileSync('tmux', [...this.tmux, 'capture-pane', '-p', '-J', '-S', '-2000', '-t', this.target], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }

  /** Waits until the window shows `pattern` more than `after` times, or fails with the screen. */
  async waitScreen(pattern: RegExp, timeoutMs: number, after = 0): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (this.countIn(text, pattern) > after) return text;
      const tail = text.split('\n').slice(-40).join('\n');
      if (!this.alive()) throw new Error(`${this.window}: the program has ended; its console:\n${tail}`);
      if (Date.now() > end) throw new Error(`${this.window}: the console did not show ${pattern} within ${timeoutMs} ms; it shows:\n${tail}`);
      await sleep(200);
    }
  }

  /** How often the window has shown `pattern` so far. */
  count(pattern: RegExp): number {
    return this.countIn(this.screen(), pattern);
  }

  private countIn(text: string, pattern: RegExp): number {
    return text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))?.length ?? 0;
  }

  /** Types a line, as a person would, and presses Enter. */
  type(line: string): void {
    execFileSync('tmux', [...this.tmux, 'send-keys', '-t', this.target, '-l', line]);
    execFileSync('tmux', [...this.tmux, 'send-keys', '-t', this.target, 'Enter']);
  }

  /** Presses one key (tmux key name, e.g. C-d). */
  key(name: string): void {
    execFileSync('tmux', [...this.tmux, 'send-keys', '-t', this.target, name]);
  }
}

/** Ends the tmux server of a test run (and so any console still open). */
export function stopTmux(socket: string): void {
  ok('tmux', ['-L', socket, 'kill-server']);
  fs.rmSync(path.join(os.tmpdir(), `${socket}.tmux.conf`), { force: true });
}
