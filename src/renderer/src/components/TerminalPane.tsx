import { useEffect, useRef } from 'react';
import type { AiosBridge } from '../../../shared/contract';
import { useUi } from '../store';
import { TerminalController } from '../terminal/terminal-controller';

let controller: TerminalController | undefined;

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
    { renderer },
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
        () => c.focus(),
        (err: unknown) => c.term.write(`\r\n[could not start a shell: ${err instanceof Error ? err.message : String(err)}]\r\n`),
      );
    } else {
      c.resize();
      c.focus();
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
