// The renderer's side of the terminal, on its own thread as the renderer is
// its own process: a headless xterm configured as the pane's (120×40,
// 10,000 lines of scrollback) that receives the core's frames over a port
// exactly as the page does (`{type:'event', name:'terminal.data', payload}`)
// and acknowledges what it has parsed with a `terminal.ack` call frame from
// xterm's write callback, every ACK_BATCH_CHARS or more, as
// src/renderer/src/terminal/terminal-controller.ts does.
//
// One thread serves every run, each with a new terminal and port, as one
// renderer opens pane after pane: like the core's side, which runs in the
// bench's own long-lived thread, its JIT is warm. A fresh thread per run
// paid xterm's warm-up (about 0.1 s of parsing) in every run, and in no
// other path the bench compares, so it first parses some text of its own.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';

const options = { cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true };
/** How long this thread has waited for a CPU while it could run (Linux's schedstat), in ms; 0 where unknown. */
const runQueueMs = () => {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
};
const threadCpuMs = () => {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
};

function warmUp() {
  const term = new xtermHeadless.Terminal(options);
  const line = 'warming up: \x1b[1mbold\x1b[0m text, digits 0123456789 and ÄÖÜ äöü\r\n';
  const chunk = line.repeat(Math.ceil(65536 / line.length));
  return new Promise((resolve) => {
    for (let i = 0; i < 64; i++) term.write(chunk, i === 63 ? resolve : undefined);
  }).then(() => term.dispose());
}

function serve(port) {
  const term = new xtermHeadless.Terminal(options);
  let unacked = 0;
  let callId = 0;
  const busyFrom = threadCpuMs();
  const queuedFrom = runQueueMs();
  // How long xterm had parsed everything it was sent and waited for the next frame (after the first).
  let queued = 0;
  let emptySince = -1;
  let starvedMs = 0;
  port.on('message', (m) => {
    if (m.type !== 'event') return;
    if (m.name === 'terminal.exit') {
      // Everything sent before the exit has been parsed once this callback runs.
      term.write('', () => {
        parentPort.postMessage({ done: true, cpuMs: threadCpuMs() - busyFrom, starvedMs, runQueueMs: runQueueMs() - queuedFrom });
        term.dispose();
        port.close();
      });
      return;
    }
    if (m.name !== 'terminal.data') return;
    const { id, data } = m.payload;
    if (queued++ === 0 && emptySince >= 0) starvedMs += performance.now() - emptySince;
    term.write(data, () => {
      if (--queued === 0) emptySince = performance.now();
      unacked += data.length;
      if (unacked >= workerData.ack) {
        const chars = unacked;
        unacked = 0;
        port.postMessage({ type: 'call', id: ++callId, name: 'terminal.ack', payload: { id, chars } });
      }
    });
  });
  parentPort.postMessage({ ready: true });
}

await warmUp();
parentPort.on('message', (m) => {
  if (m.port) serve(m.port);
});
parentPort.postMessage({ started: true });
