/**
 * Stand-ins for Electron's `utilityProcess` and `MessageChannelMain` (no
 * Electron binary exists here). `fork` really starts the given core-host
 * script in a child Node process (through tsx, with child_process.fork): the
 * child gets a `process.parentPort` built on the IPC channel, and ports handed
 * to it carry their messages over that same channel, tagged with a port id.
 * So tests run the real core in a real separate process; only the transport
 * differs from Electron's.
 */
import type { BridgePort } from '../../src/preload/port-bridge';
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';

const CHILD_SHIM = path.join(import.meta.dirname, 'fake-utility-child.ts');

/** Envelopes on the child's IPC channel. */
export type Envelope =
  | { kind: 'parent'; data: unknown; portIds?: number[] }
  | { kind: 'port'; portId: number; data: unknown }
  | { kind: 'port-close'; portId: number };

export class FakeMessagePortMain extends EventEmitter {
  peer!: FakeMessagePortMain;
  /** Set once this end was handed to a fake utility process. */
  remote: { child: ChildProcess; portId: number } | undefined;
  closed = false;
  private started = false;
  private readonly backlog: unknown[] = [];

  postMessage(message: unknown): void {
    if (this.closed) return;
    const peer = this.peer;
    if (peer.remote) {
      if (peer.remote.child.connected)
        peer.remote.child.send({ kind: 'port', portId: peer.remote.portId, data: message } satisfies Envelope);
      return;
    }
    const copy = structuredClone(message);
    setImmediate(() => peer.deliver(copy));
  }

  /** A message arriving at this end (from its peer or from the child). */
  deliver(data: unknown): void {
    if (this.closed) return;
    if (!this.started) this.backlog.push(data);
    else this.emit('message', { data, ports: [] });
  }

  start(): void {
    this.started = true;
    for (const data of this.backlog.splice(0)) this.emit('message', { data, ports: [] });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
    if (this.peer.remote?.child.connected)
      this.peer.remote.child.send({ kind: 'port-close', portId: this.peer.remote.portId } satisfies Envelope);
    else if (!this.peer.closed) this.peer.close();
  }
}

export class FakeMessageChannelMain {
  readonly port1 = new FakeMessagePortMain();
  readonly port2 = new FakeMessagePortMain();
  constructor() {
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly child: ChildProcess;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  private nextPortId = 1;
  private readonly ports = new Map<number, FakeMessagePortMain>();

  constructor(
    readonly modulePath: string,
    readonly args: string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
    this.child = fork(CHILD_SHIM, [modulePath, ...args], {
      execArgv: ['--import', 'tsx'],
      env: (options.env as NodeJS.ProcessEnv | undefined) ?? process.env,
      silent: true,
      serialization: 'advanced',
    });
    this.child.stdout?.pipe(this.stdout);
    this.child.stderr?.pipe(this.stderr);
    this.child.on('message', (raw) => this.onEnvelope(raw as Envelope));
    this.child.on('exit', (code, signal) => {
      for (const port of this.ports.values()) if (!port.peer.closed) port.peer.close();
      this.emit('exit', code ?? (signal ? 1 : 0));
    });
    this.child.on('spawn', () => this.emit('spawn'));
  }

  get pid(): number | undefined {
    return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  postMessage(message: unknown, transfer: FakeMessagePortMain[] = []): void {
    const portIds = transfer.map((port) => {
      const portId = this.nextPortId++;
      port.remote = { child: this.child, portId };
      this.ports.set(portId, port);
      return portId;
    });
    if (this.child.connected) this.child.send({ kind: 'parent', data: message, portIds } satisfies Envelope);
  }

  /** Electron's kill() ends the process; SIGKILL so a stopped (hung) child ends too. */
  kill(): boolean {
    return this.child.kill('SIGKILL');
  }

  private onEnvelope(envelope: Envelope): void {
    if (envelope.kind === 'parent') this.emit('message', envelope.data);
    else if (envelope.kind === 'port') this.ports.get(envelope.portId)?.peer.deliver(envelope.data);
    else {
      const port = this.ports.get(envelope.portId);
      this.ports.delete(envelope.portId);
      if (port && !port.peer.closed) port.peer.close();
    }
  }
}

export interface FakeUtilityProcessModule {
  forks: FakeUtilityProcess[];
  /** The tests have no build: a `.js` core host asked for is run from this TypeScript source. */
  fork(modulePath: string, args?: string[], options?: Record<string, unknown>): FakeUtilityProcess;
}

export function createFakeUtilityProcess(sourceEntry: string): FakeUtilityProcessModule {
  const forks: FakeUtilityProcess[] = [];
  return {
    forks,
    fork(modulePath, args = [], options = {}) {
      const run = modulePath.endsWith('core-host.js') ? sourceEntry : modulePath;
      const proc = new FakeUtilityProcess(run, args, { ...options, requestedPath: modulePath });
      forks.push(proc);
      return proc;
    },
  };
}

/** Ends every child a test started (afterEach). */
export function endForks(module: FakeUtilityProcessModule): Promise<void> {
  const alive = module.forks.filter((f) => f.child.exitCode === null && f.child.signalCode === null);
  return Promise.all(
    alive.map(
      (f) =>
        new Promise<void>((resolve) => {
          f.child.once('exit', () => resolve());
          f.child.kill('SIGKILL');
        }),
    ),
  ).then(() => undefined);
}

/** A DOM-style port over the fake MessagePortMain the page was handed (what the preload sees). */
export function domPort(port: FakeMessagePortMain): BridgePort {
  let listener: ((event: { data: unknown }) => void) | null = null;
  port.on('message', (event: { data: unknown }) => listener?.(event));
  return {
    get onmessage() {
      return listener;
    },
    set onmessage(l) {
      listener = l;
    },
    postMessage: (m) => port.postMessage(m),
    start: () => port.start(),
    close: () => port.close(),
  };
}
