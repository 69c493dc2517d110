// The renderer's side of the terminal, on its own thread as the renderer is
// its own process: a headless xterm configured as the pane's (120×40,
// 10,000 lines of scrollback) that receives the core's frames over a port
// exactly as the page does (`{type:'event', name:'terminal.data', payload}`)
// and acknowledges what it has parsed with a `terminal.ack` call frame from
// xterm's write callback, every ACK_BATCH_CHARS or more, as
// src/renderer/src/terminal/terminal-controller.ts does.
import { parentPort, workerData } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';

const term = new xtermHeadless.Terminal({ cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true });
const port = workerData.port;
let unacked = 0;
let callId = 0;
let busyFrom = 0;
port.on('message', (m) => {
  if (m.type !== 'event') return;
  if (m.name === 'terminal.exit') {
    // Everything sent before the exit has been parsed once this callback runs.
    term.write('', () => {
      const cpu = process.threadCpuUsage();
      parentPort.postMessage({ done: true, cpuMs: (cpu.user + cpu.system) / 1000 - busyFrom });
    });
    return;
  }
  if (m.name !== 'terminal.data') return;
  const { id, data } = m.payload;
  term.write(data, () => {
    unacked += data.length;
    if (unacked >= workerData.ack) {
      const chars = unacked;
      unacked = 0;
      port.postMessage({ type: 'call', id: ++callId, name: 'terminal.ack', payload: { id, chars } });
    }
  });
});
const cpu0 = process.threadCpuUsage();
busyFrom = (cpu0.user + cpu0.system) / 1000;
parentPort.postMessage({ ready: true });
