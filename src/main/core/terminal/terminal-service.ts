import os from 'node:os';
import * as pty from 'node-pty';
import { BridgeError, type TerminalSession } from '../../../shared/contract';
import type { EventBus } from '../bridge/event-bus';
import type { Env } from '../config/paths';
import { FlowController } from './flow-control';
import { Scrollback } from './scrollback';
import { resolveShell, shellEnvironment } from './shell';

/**
 * Output is coalesced for a few milliseconds before it is sent: a shell
 * writing thousands of tiny chunks would otherwise cost one IPC or WebSocket
 * message each.
 */
const COALESCE_MS = 4;
const COALESCE_MAX_CHARS = 64 * 1024;

export interface TerminalServiceOptions {
  events: EventBus;
  env?: Env;
  /** Defaults to the home directory. */
  cwd?: string;
  /** Defaults to the person's login shell. */
  shell?: string;
  shellArgs?: string[];
}

interface Session {
  id: string;
  shell: string;
  process: pty.IPty;
  flow: FlowController;
  scrollback: Scrollback;
  pending: string;
  flushTimer: NodeJS.Timeout | undefined;
  exited: boolean;
}

/**
 * Real shells in ptys, owned by the core so that hiding the pane, reloading
 * the UI or reconnecting a browser keeps the same session.
 */
export class TerminalService {
  private readonly sessions = new Map<string, Session>();
  private nextId = 1;

  constructor(private readonly options: TerminalServiceOptions) {}

  open(request: { cols: number; rows: number; attach?: boolean }): TerminalSession {
    if (request.attach) {
      const live = [...this.sessions.values()].reverse().find((s) => !s.exited);
      if (live) {
        this.flush(live);
        live.flow.reset();
        live.process.resize(request.cols, request.rows);
        return { id: live.id, shell: live.shell, pid: live.process.pid, replay: live.scrollback.text(), attached: true };
      }
    }
    const env = this.options.env ?? process.env;
    const shell = this.options.shell ?? resolveShell(env);
    const child = pty.spawn(shell, this.options.shellArgs ?? ['-l'], {
      name: 'xterm-256color',
      cols: request.cols,
      rows: request.rows,
      cwd: this.options.cwd ?? env.HOME ?? os.homedir(),
      env: shellEnvironment(env),
    });
    const id = `t${this.nextId++}`;
    const session: Session = {
      id,
      shell,
      process: child,
      flow: new FlowController(child),
      scrollback: new Scrollback(),
      pending: '',
      flushTimer: undefined,
      exited: false,
    };
    this.sessions.set(id, session);
    child.onData((data) => this.onOutput(session, data));
    child.onExit(({ exitCode, signal }) => {
      session.exited = true;
      this.flush(session);
      this.sessions.delete(id);
      this.options.events.emit('terminal.exit', { id, exitCode, ...(signal ? { signal } : {}) });
    });
    return { id, shell, pid: child.pid, replay: '', attached: false };
  }

  write(id: string, data: string): void {
    this.get(id).process.write(data);
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).process.resize(cols, rows);
  }

  ack(id: string, chars: number): void {
    this.sessions.get(id)?.flow.acknowledged(chars);
  }

  close(id: string): void {
    const s = this.sessions.get(id);
    if (s) s.process.kill('SIGHUP');
  }

  /** Ends every shell (the host is shutting down). */
  dispose(): void {
    for (const s of this.sessions.values()) {
      if (s.flushTimer) clearTimeout(s.flushTimer);
      s.process.kill('SIGHUP');
    }
    this.sessions.clear();
  }

  /** Characters sent to the UI and not yet acknowledged (for tests and diagnostics). */
  unacknowledged(id: string): number {
    return this.get(id).flow.unacknowledged;
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new BridgeError('not_found', `no terminal session '${id}' (it may have exited)`);
    return s;
  }

  private onOutput(session: Session, data: string): void {
    session.scrollback.append(data);
    session.pending += data;
    if (session.pending.length >= COALESCE_MAX_CHARS) {
      this.flush(session);
    } else if (!session.flushTimer) {
      session.flushTimer = setTimeout(() => this.flush(session), COALESCE_MS);
    }
  }

  private flush(session: Session): void {
    if (session.flushTimer) {
      clearTimeout(session.flushTimer);
      session.flushTimer = undefined;
    }
    if (session.pending.length === 0) return;
    const data = session.pending;
    session.pending = '';
    session.flow.sent(data.length);
    this.options.events.emit('terminal.data', { id: session.id, data });
  }
}
