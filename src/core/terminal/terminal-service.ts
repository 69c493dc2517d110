import os from 'node:os';
import * as pty from 'node-pty';
import { BridgeError, type TerminalSession } from '../../shared/contract';
import type { EventBus } from '../bridge/event-bus';
import type { Env } from '../config/paths';
import { SecretSet, type StreamRedactor } from '../environment/redact';
import { FlowController } from './flow-control';
import { masterFd, PtyInput } from './pty-input';
import { Scrollback } from './scrollback';
import { resolveShell, shellEnvironment } from './shell';

/**
 * Output is coalesced for a few milliseconds before it is sent: a shell
 * writing thousands of tiny chunks would otherwise cost one IPC or WebSocket
 * message each.
 */
const COALESCE_MS = 4;
/**
 * …or until this much is waiting. Larger than the pty's reads add up to in
 * a few ms, so a flood goes out in fewer frames: each costs a message, an
 * acknowledgement and, when xterm had caught up, a restart of its write loop
 * from a timer (at least 1 ms under Node). For `cat` of 50 MB
 * (`npm run bench -- terminal`), 64K frames found xterm idle at ~390 of ~900
 * frames, these at ~210 of ~600, with ~7% less CPU on the core's thread.
 * Below 128 KiB: a longer one-byte string is a large object to V8, and with
 * 256K frames xterm's thread spent ~4% more.
 */
export const COALESCE_MAX_CHARS = 120 * 1024;
/** How long output that may be the start of a secret is held back when nothing follows it. */
const REDACT_HOLD_MS = 40;
/**
 * Output leaves the core as UTF-8 bytes, not strings: xterm decodes bytes
 * with an ASCII fast path, and parses them with ~15% less CPU than the same
 * text as a string (`npm run bench -- terminal`). Redaction and the scrollback
 * still work on the decoded text: node-pty decodes whole characters, so a
 * secret or a character split across reads is seen whole. Each frame gets
 * its own exactly sized buffer (a pooled Buffer would carry its pool's
 * other bytes along when posted to another thread or process).
 */
const utf8 = new TextEncoder();
export const DEFAULT_MAX_SHELLS = 8;
/** Keystrokes and pastes waiting for the shell to read them; past this a write is refused. */
export const MAX_PENDING_INPUT_BYTES = 1024 * 1024;
/** Flow control's name for a caller that gave no client id (tests, an in-process host). */
const LOCAL_CLIENT = '';

export interface TerminalServiceOptions {
  events: EventBus;
  env?: Env;
  /** Defaults to the home directory. */
  cwd?: string;
  /** Defaults to the person's login shell. */
  shell?: string;
  shellArgs?: string[];
  /** Known secrets, cut out of the output before it reaches a UI or the scrollback. */
  secrets?: SecretSet;
  /** At most this many shells at once (default 8). */
  maxShells?: number;
  /** Flow control's watermarks in characters (default HIGH_WATERMARK_CHARS / LOW_WATERMARK_CHARS; the bench compares others). */
  watermarks?: { high: number; low: number };
}

interface Session {
  id: string;
  shell: string;
  process: pty.IPty;
  /** Where input goes, telling when the pty took it (undefined where node-pty gives no descriptor: input counts as taken at once). */
  input: PtyInput | undefined;
  flow: FlowController;
  scrollback: Scrollback;
  /** Output read from the pty and not yet redacted and sent (coalesced), as read. */
  pending: string[];
  pendingChars: number;
  flushTimer: NodeJS.Timeout | undefined;
  exited: boolean;
  redactor: StreamRedactor;
  holdTimer: NodeJS.Timeout | undefined;
  /** The UIs (bridge client ids) showing this shell. */
  clients: Set<string>;
  pendingInput: number;
}

/**
 * Real shells in ptys, owned by the core so that hiding the pane, reloading
 * the UI or reconnecting a browser keeps the same session.
 */
export class TerminalService {
  private readonly sessions = new Map<string, Session>();
  private nextId = 1;
  private readonly secrets: SecretSet;

  constructor(private readonly options: TerminalServiceOptions) {
    this.secrets = options.secrets ?? new SecretSet();
  }

  open(request: { cols: number; rows: number; attach?: boolean }, clientId?: string): TerminalSession {
    if (request.attach) {
      const live = [...this.sessions.values()].reverse().find((s) => !s.exited);
      if (live) {
        // What was queued goes to the clients already attached; this one starts from the replay.
        this.flush(live);
        this.attachClient(live, clientId);
        live.process.resize(request.cols, request.rows);
        return { id: live.id, shell: live.shell, pid: live.process.pid, replay: live.scrollback.text(), attached: true };
      }
    }
    const max = this.options.maxShells ?? DEFAULT_MAX_SHELLS;
    let notice: string | undefined;
    if (this.sessions.size >= max) {
      // A shell is never ended silently: only at the cap, only one no page shows, and the new pane says which.
      const unseen = [...this.sessions.values()].find((s) => s.clients.size === 0 && !s.exited);
      if (!unseen) throw new BridgeError('unavailable', `${max} terminal shells are already open; exit one (or close a tab) first`);
      hangUp(unseen);
      this.sessions.delete(unseen.id);
      notice = `aios ended an earlier shell (${unseen.shell}, pid ${unseen.process.pid}) that no page showed: at most ${max} shells run at once`;
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
    const fd = masterFd(child);
    const session: Session = {
      id,
      shell,
      process: child,
      input: fd === undefined ? undefined : new PtyInput(fd),
      flow: new FlowController(child, this.options.watermarks?.high, this.options.watermarks?.low),
      scrollback: new Scrollback(),
      pending: [],
      pendingChars: 0,
      flushTimer: undefined,
      exited: false,
      redactor: this.secrets.stream(),
      holdTimer: undefined,
      clients: new Set(),
      pendingInput: 0,
    };
    this.sessions.set(id, session);
    this.attachClient(session, clientId);
    child.onData((data) => this.onOutput(session, data));
    child.onExit(({ exitCode, signal }) => {
      session.exited = true;
      session.input?.close();
      this.release(session);
      this.flush(session);
      this.sessions.delete(id);
      this.options.events.emit('terminal.exit', { id, exitCode, ...(signal ? { signal } : {}) });
    });
    return { id, shell, pid: child.pid, replay: '', attached: false, ...(notice ? { notice } : {}) };
  }

  /**
   * Resolves once the shell's pty has taken the input, so a host that awaits
   * it (the web host stops reading a socket with too many calls in flight)
   * passes the shell's backpressure on to the sender.
   */
  async write(id: string, data: string): Promise<void> {
    const s = this.get(id);
    const bytes = Buffer.byteLength(data);
    if (s.pendingInput + bytes > MAX_PENDING_INPUT_BYTES) {
      throw new BridgeError('unavailable', 'the shell is not reading its input; wait for it (or press Ctrl-C) before typing more');
    }
    s.pendingInput += bytes;
    try {
      if (s.input) await s.input.write(data);
      else s.process.write(data);
    } finally {
      s.pendingInput -= bytes;
    }
  }

  /**
   * A UI went away (its socket closed). Its shells live on while aios runs:
   * a reload, or a page that opens the pane later, attaches to them again
   * with their scrollback. Only the shell cap ends one, and says so.
   */
  detachClient(clientId: string): void {
    for (const s of this.sessions.values()) {
      s.flow.detach(clientId);
      s.clients.delete(clientId);
    }
  }

  /** Shells running now (for tests and diagnostics). */
  get count(): number {
    return this.sessions.size;
  }

  private attachClient(s: Session, clientId: string | undefined): void {
    s.flow.attach(clientId ?? LOCAL_CLIENT);
    if (clientId === undefined) return;
    s.clients.add(clientId);
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).process.resize(cols, rows);
  }

  /** `clientId` rendered `chars` more bytes of this shell's output (terminal.data's `data` is UTF-8 bytes). */
  ack(id: string, chars: number, clientId: string = LOCAL_CLIENT): void {
    this.sessions.get(id)?.flow.acknowledged(clientId, chars);
  }

  close(id: string): void {
    const s = this.sessions.get(id);
    if (s) hangUp(s);
  }

  /** Ends every shell (the host is shutting down). */
  dispose(): void {
    for (const s of this.sessions.values()) {
      if (s.flushTimer) clearTimeout(s.flushTimer);
      if (s.holdTimer) clearTimeout(s.holdTimer);
      hangUp(s);
    }
    this.sessions.clear();
  }

  /** Bytes sent and not yet acknowledged: by one client, or the most of any (for tests and diagnostics). */
  unacknowledged(id: string, clientId?: string): number {
    const flow = this.get(id).flow;
    return clientId === undefined ? flow.unacknowledged : flow.unacknowledgedBy(clientId);
  }

  /** Whether the shell is paused because a client is behind (for tests and diagnostics). */
  paused(id: string): boolean {
    return this.get(id).flow.isPaused;
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new BridgeError('not_found', `no terminal session '${id}' (it may have exited)`);
    return s;
  }

  /**
   * Output is coalesced raw and redacted once per batch at flush: the
   * redactor's cost per call (its context, the held tail) is paid per batch,
   * not per pty read of a few KB.
   */
  private onOutput(session: Session, raw: string): void {
    if (session.holdTimer) clearTimeout(session.holdTimer);
    session.holdTimer = undefined;
    session.pending.push(raw);
    session.pendingChars += raw.length;
    if (session.pendingChars >= COALESCE_MAX_CHARS) {
      this.flush(session);
    } else if (!session.flushTimer) {
      session.flushTimer = setTimeout(() => this.flush(session), COALESCE_MS);
    }
  }

  /** Sends what the redactor held back (the stream went quiet or ended), redacted. */
  private release(session: Session): void {
    if (session.holdTimer) clearTimeout(session.holdTimer);
    session.holdTimer = undefined;
    this.flush(session);
    this.send(session, session.redactor.end());
  }

  private flush(session: Session): void {
    if (session.flushTimer) {
      clearTimeout(session.flushTimer);
      session.flushTimer = undefined;
    }
    if (session.pending.length === 0) return;
    // Joined, not concatenated read by read: a flat string is read faster by the redactor and copied once to send.
    const batch = session.pending.length === 1 ? session.pending[0]! : session.pending.join('');
    session.pending = [];
    session.pendingChars = 0;
    const data = session.redactor.push(batch);
    // What may be the start of a secret waits a moment for the rest; a prompt that merely looks like one still shows.
    if (session.redactor.holding && !session.holdTimer) session.holdTimer = setTimeout(() => this.release(session), REDACT_HOLD_MS);
    this.send(session, data);
  }

  private send(session: Session, text: string): void {
    if (text.length === 0) return;
    session.scrollback.append(text);
    const data = utf8.encode(text);
    // Counted in bytes, as the renderer acknowledges what it wrote to xterm.
    session.flow.sent(data.length);
    this.options.events.emit('terminal.data', { id: session.id, data });
  }
}

/** Ends a shell; input it never read is dropped. */
function hangUp(s: Session): void {
  s.input?.close();
  s.process.kill('SIGHUP');
}
