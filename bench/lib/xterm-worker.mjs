// A headless xterm on its own thread, as the renderer is its own process:
// parses what it is sent and acknowledges every `ack` characters parsed,
// as the renderer does from xterm's write callback.
import { parentPort, workerData } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';

const term = new xtermHeadless.Terminal({ cols: 120, rows: 40, scrollback: 1000, allowProposedApi: true });
let unacked = 0;
parentPort.on('message', (m) => {
  if (m.end) {
    term.write('', () => parentPort.postMessage({ done: true, ack: unacked }));
    return;
  }
  term.write(m.data, () => {
    unacked += m.data.length;
    if (unacked >= workerData.ack) {
      parentPort.postMessage({ ack: unacked });
      unacked = 0;
    }
  });
});
