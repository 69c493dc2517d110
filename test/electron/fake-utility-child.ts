/**
 * Runs in the child of a FakeUtilityProcess: gives the script a
 * `process.parentPort` (and MessagePorts) carried over the IPC channel, as
 * Electron's utility process would, then loads it.
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import type { Envelope } from './fake-utility-process';

class ChildPort extends EventEmitter {
  private started = false;
  private closed = false;
  private readonly backlog: unknown[] = [];
  constructor(readonly portId: number) {
    super();
  }
  postMessage(data: unknown): void {
    if (!this.closed && process.connected) process.send?.({ kind: 'port', portId: this.portId, data } satisfies Envelope);
  }
  deliver(data: unknown): void {
    if (this.closed) return;
    if (this.started) this.emit('message', { data });
    else this.backlog.push(data);
  }
  start(): void {
    this.started = true;
    for (const data of this.backlog.splice(0)) this.emit('message', { data });
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (process.connected) process.send?.({ kind: 'port-close', portId: this.portId } satisfies Envelope);
    this.emit('close');
  }
  remoteClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

const ports = new Map<number, ChildPort>();
const parentPort = new EventEmitter() as EventEmitter & { postMessage(data: unknown): void };
parentPort.postMessage = (data: unknown) => {
  if (process.connected) process.send?.({ kind: 'parent', data } satisfies Envelope);
};
process.on('message', (raw) => {
  const envelope = raw as Envelope;
  if (envelope.kind === 'parent') {
    const given = (envelope.portIds ?? []).map((id) => {
      const port = new ChildPort(id);
      ports.set(id, port);
      return port;
    });
    parentPort.emit('message', { data: envelope.data, ports: given });
  } else if (envelope.kind === 'port') {
    ports.get(envelope.portId)?.deliver(envelope.data);
  } else {
    ports.get(envelope.portId)?.remoteClosed();
    ports.delete(envelope.portId);
  }
});
// Electron ends a utility process whose parent is gone; so does this stand-in.
process.on('disconnect', () => process.exit(0));
Object.assign(process, { parentPort });

const entry = process.argv[2];
if (!entry) throw new Error('fake utility child: no script given');
await import(pathToFileURL(entry).href);
