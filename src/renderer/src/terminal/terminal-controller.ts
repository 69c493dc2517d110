import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import { MAX_TERMINAL_WRITE, type AiosBridge } from '../../../shared/contract';
import type { TerminalRenderer } from '../store';

/** Must match the core's flow control (src/core/terminal/flow-control.ts). */
const ACK_BATCH_CHARS = 5_000;

export interface TerminalControllerEvents {
  onRenderer(renderer: TerminalRenderer): void;
  onStatus(status: 'starting' | 'running' | 'exited'): void;
}

/**
 * Owns the xterm instance and its shell session for the life of the page,
 * outside React: hiding the pane (or a re-render) must not lose the session
 * or the scrollback.
 */
export class TerminalController {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private sessionId: string | undefined;
  private exited = false;
  private unacked = 0;
  private opened = false;
  private lastSize = { cols: 0, rows: 0 };
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly bridge: AiosBridge,
    private readonly events: TerminalControllerEvents,
    private readonly options: { fontSize?: number; renderer?: 'auto' | 'dom' } = {},
  ) {
    const fontSize = options.fontSize ?? 15;
    this.term = new Terminal({
      fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK JP", "Noto Sans Mono", monospace',
      fontSize,
      scrollback: 10_000,
      cursorBlink: true,
      allowProposedApi: false,
      theme: { background: '#0f1115', foreground: '#d8dee9', cursor: '#88c0d0', selectionBackground: '#3b4252' },
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(
      new WebLinksAddon((_event, uri) => {
        // Opening links is a browser-host nicety; Electron denies new windows.
        window.open(uri, '_blank', 'noopener,noreferrer');
      }),
    );
    this.term.onData((data) => this.input(data));
    this.unsubscribe.push(
      bridge.on('terminal.data', ({ id, data }) => {
        if (id === this.sessionId) this.output(data);
      }),
      bridge.on('terminal.exit', ({ id, exitCode, signal }) => {
        if (id !== this.sessionId) return;
        this.exited = true;
        this.events.onStatus('exited');
        const how = signal ? `signal ${signal}` : `code ${exitCode}`;
        this.term.write(`\r\n\x1b[2m[shell exited with ${how}; press any key for a new shell]\x1b[0m\r\n`);
      }),
    );
  }

  /** Puts the terminal into `container` (first time: creates it there). */
  mount(container: HTMLElement): void {
    if (!this.opened) {
      this.term.open(container);
      this.opened = true;
      this.events.onRenderer(this.loadFastRenderer());
    } else if (this.term.element && this.term.element.parentElement !== container) {
      container.appendChild(this.term.element);
    }
  }

  /** Starts a shell, or attaches to the one the core is already running. */
  async start(attach = true): Promise<void> {
    this.events.onStatus('starting');
    const { cols, rows } = this.measure();
    const session = await this.bridge.call('terminal.open', { cols, rows, attach });
    this.sessionId = session.id;
    this.exited = false;
    this.unacked = 0;
    this.lastSize = { cols, rows };
    if (session.attached) {
      this.term.reset();
      if (session.replay) this.output(session.replay, false);
    }
    if (session.notice) this.term.write(`\r\n[${session.notice}]\r\n`);
    this.events.onStatus('running');
  }

  /** Fits the grid to the container and tells the shell its new size. */
  resize(): void {
    if (!this.opened || !this.term.element?.offsetParent) return;
    const { cols, rows } = this.measure();
    if (!this.sessionId || this.exited) return;
    if (cols === this.lastSize.cols && rows === this.lastSize.rows) return;
    this.lastSize = { cols, rows };
    void this.bridge.call('terminal.resize', { id: this.sessionId, cols, rows }).catch(() => undefined);
  }

  focus(): void {
    this.term.focus();
  }

  /** Sends text to the shell as if typed. */
  type(text: string): void {
    this.input(text);
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.resize();
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
    this.term.dispose();
  }

  private measure(): { cols: number; rows: number } {
    if (this.opened && this.term.element?.offsetParent) {
      try {
        this.fit.fit();
      } catch {
        // not laid out yet; keep the current size
      }
    }
    return { cols: Math.max(2, this.term.cols), rows: Math.max(1, this.term.rows) };
  }

  private loadFastRenderer(): TerminalRenderer {
    if (this.options.renderer === 'dom') return 'dom';
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        this.events.onRenderer('dom');
      });
      this.term.loadAddon(webgl);
      return 'webgl';
    } catch {
      return 'dom';
    }
  }

  private input(data: string): void {
    if (this.exited || !this.sessionId) {
      if (this.exited) void this.start(false);
      return;
    }
    for (let i = 0; i < data.length; i += MAX_TERMINAL_WRITE) {
      void this.bridge.call('terminal.write', { id: this.sessionId, data: data.slice(i, i + MAX_TERMINAL_WRITE) }).catch(() => undefined);
    }
  }

  /**
   * `data` is the shell's UTF-8 bytes (xterm parses bytes faster than a
   * string, and keeps a character split between two writes); a replay is
   * text. `countForAck` is false for a replay: the core did not count it as sent.
   */
  private output(data: Uint8Array | string, countForAck = true): void {
    const id = this.sessionId;
    if (!countForAck) {
      this.term.write(data);
      return;
    }
    this.term.write(data, () => {
      // Acknowledge only what xterm has parsed, so the core pauses a shell that outruns the screen (in bytes, as the core counts).
      this.unacked += data.length;
      if (this.unacked >= ACK_BATCH_CHARS && id === this.sessionId && id) {
        const chars = this.unacked;
        this.unacked = 0;
        void this.bridge.call('terminal.ack', { id, chars }).catch(() => undefined);
      }
    });
  }
}
