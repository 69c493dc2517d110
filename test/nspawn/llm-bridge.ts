/**
 * Test scaffolding: the scripted model (test/support/llm-server.ts, which
 * stands in for a real LLM) reached from inside aios machines whose network
 * is private (aios.nspawn: Private=yes). The host offers the model on a unix
 * socket in a folder that the test binds into each machine; a forwarder in
 * the machine (a systemd unit the test adds, run on the app's own Node)
 * serves that socket on the machine's 127.0.0.1:PORT, where `[ai] base_url`
 * points. No address outside loopback is used on either side.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Where the folder with the socket and the forwarder appears in the machine. */
export const BRIDGE_IN_MACHINE = '/run/aios-test-llm';
/** The port the forwarder serves in the machine. */
export const MODEL_PORT_IN_MACHINE = 8080;

const FORWARDER = `// aios test scaffolding: 127.0.0.1:PORT in this machine -> the host's scripted model (unix socket).
import net from 'node:net';
const [socketPath, port] = process.argv.slice(2);
net
  .createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  })
  .listen(Number(port), '127.0.0.1', () => console.log('forwarding 127.0.0.1:' + port + ' to ' + socketPath));
`;

const UNIT = `# aios test scaffolding (test/nspawn/llm-bridge.ts), not part of the machine.
[Unit]
Description=test only: the scripted model on 127.0.0.1:${MODEL_PORT_IN_MACHINE}
Before=getty.target console-getty.service

[Service]
ExecStart=/opt/aios/node_modules/node/bin/node ${BRIDGE_IN_MACHINE}/forward.mjs ${BRIDGE_IN_MACHINE}/model.sock ${MODEL_PORT_IN_MACHINE}

[Install]
WantedBy=multi-user.target
`;

export interface HostBridge {
  /** The folder to bind at BRIDGE_IN_MACHINE. */
  dir: string;
  close(): Promise<void>;
}

/** Serves the model at 127.0.0.1:modelPort on DIR/model.sock and writes the forwarder beside it. */
export async function startHostBridge(dir: string, modelPort: number): Promise<HostBridge> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'forward.mjs'), FORWARDER, { mode: 0o644 });
  const socketPath = path.join(dir, 'model.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(modelPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  // The machine's root is an unprivileged uid on the host: it may connect.
  fs.chmodSync(socketPath, 0o666);
  return {
    dir,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Adds the forwarder's unit to an unpacked machine root, enabled. */
export function addForwarderUnit(root: string): void {
  const unit = path.join(root, 'etc/systemd/system/aios-test-llm.service');
  fs.writeFileSync(unit, UNIT);
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  fs.mkdirSync(wants, { recursive: true });
  fs.symlinkSync('/etc/systemd/system/aios-test-llm.service', path.join(wants, 'aios-test-llm.service'));
}
