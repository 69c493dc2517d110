import { useEffect, useRef } from 'react';
import type { AiosBridge } from '../../../shared/contract';
import { useUi } from '../store';
import { TerminalController } from '../terminal/terminal-controller';

let controller: TerminalController | undefined;
/** Text waiting for the shell to start (the setup card's "Open config in terminal"). */
let pendingTyping = '';
const BASE_FONT_SIZE = 15;
let fontScale = 1;

function getController(bridge: AiosBridge): TerminalController {
  // `?terminal=dom` forces xterm's DOM renderer: for displays where WebGL
  // misbehaves, and for tests that read the screen's text.
  const renderer = new URLSearchParams(location.search).get('terminal') === 'dom' ? 'dom' : 'auto';
  controller ??= new TerminalController(
    bridge,
    {
      onRenderer: (r) => useUi.getState().setTerminalRenderer(r),
      onStatus: (s) => useUi.getState().setTerminalStatus(s),
    },
    { renderer, fontSize: Math.round(BASE_FONT_SIZE * fontScale) },
  );
  return controller;
}

/**
 * The raw terminal, one keystroke away. The pane stays mounted while hidden
 * so its xterm (and the core's shell behind it) live on.
 */
export function TerminalPane({ bridge }: { bridge: AiosBridge }) {
  const visible = useUi((s) => s.terminalVisible);
  const renderer = useUi((s) => s.terminalRenderer);
  const status = useUi((s) => s.terminalStatus);
  const host = useRef<HTMLDivElement>(null);
  const started = useRef(false);

  useEffect(() => {
    if (!visible || !host.current) return;
    const c = getController(bridge);
    c.mount(host.current);
    if (!started.current) {
      started.current = true;
      c.start(true).then(
        () => {
          c.focus();
          flushTyping();
        },
        (err: unknown) => c.term.write(`\r\n[could not start a shell: ${err instanceof Error ? err.message : String(err)}]\r\n`),
      );
    } else {
      c.resize();
      c.focus();
      flushTyping();
    }
    const el = host.current;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => c.resize());
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [visible, bridge]);

  return (
    <section
      className={`terminal-pane${visible ? '' : ' hidden'}`}
      aria-label="Terminal"
      aria-hidden={!visible}
      data-renderer={renderer}
      data-status={status}
    >
      <div className="terminal-host" ref={host} />
    </section>
  );
}

/** The shell behind the pane, for the app's reconnect logic. */
export function reattachTerminal(): void {
  if (controller) void controller.start(true);
}

function flushTyping(): void {
  if (!controller || !pendingTyping || useUi.getState().terminalStatus !== 'running') return;
  controller.type(pendingTyping);
  pendingTyping = '';
  controller.focus();
}

/** Opens the pane and types `text` at the shell's prompt, without pressing Enter. */
export function typeInTerminal(text: string): void {
  pendingTyping += text;
  useUi.getState().showTerminal();
  flushTyping();
}

/** Follows the app's text size (Ctrl+= / Ctrl+-). */
export function setTerminalFontScale(scale: number): void {
  fontScale = scale;
  controller?.setFontSize(Math.round(BASE_FONT_SIZE * scale));
}
