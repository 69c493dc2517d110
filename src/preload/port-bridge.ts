/**
 * `window.aios` over a MessagePort to the core (in Electron's utility
 * process). Frames are the WebSocket host's (wire.ts). Main hands a new port
 * on every page load and after every core restart; calls made before the
 * first port wait for it, calls in flight on a replaced port fail as
 * `unavailable`. Errors are Error("[code] message") because only the message
 * survives contextBridge; the renderer turns them back (withBridgeErrors).
 */
import { isCallName, isEventName, type AiosBridge, type CallName, type EventName } from '../shared/contract';
import { bridgeErrorMessage } from '../shared/bridge-error';
import { ServerMessageSchema, type ClientMessage } from '../shared/wire';

/** The part of a DOM MessagePort the bridge uses. */
export interface BridgePort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class PortBridge {
  private port: BridgePort | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queued: ClientMessage[] = [];
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  /** Takes a fresh port from main; the old one (a dead core or page) is dropped. */
  usePort(port: BridgePort): void {
    const old = this.port;
    if (old) {
      old.onmessage = null;
      old.close();
    }
    // Calls sent on the old port will never be answered; queued ones go out on the new one.
    const queuedIds = new Set(this.queued.map((m) => m.id));
    for (const [id, p] of this.pending) {
      if (queuedIds.has(id)) continue;
      this.pending.delete(id);
      p.reject(new Error(bridgeErrorMessage('unavailable', 'the aios core restarted; try again')));
    }
    this.port = port;
    port.onmessage = (event) => this.onMessage(event.data);
    port.start();
    for (const message of this.queued.splice(0)) port.postMessage(message);
  }

  readonly bridge: AiosBridge = {
    call: (name: CallName, request: unknown) => {
      if (!isCallName(name)) return Promise.reject(new Error(bridgeErrorMessage('unknown_call', `unknown call '${String(name)}'`)));
      const message: ClientMessage = { type: 'call', id: this.nextId++, name, payload: request };
      return new Promise<never>((resolve, reject) => {
        this.pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
        if (this.port) this.port.postMessage(message);
        else this.queued.push(message);
      });
    },
    on: (name: EventName, listener: (payload: never) => void) => {
      if (!isEventName(name)) throw new Error(bridgeErrorMessage('unknown_call', `unknown event '${String(name)}'`));
      const set = this.listeners.get(name) ?? new Set();
      this.listeners.set(name, set);
      const wrapped = (payload: unknown) => listener(payload as never);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };

  private onMessage(data: unknown): void {
    const parsed = ServerMessageSchema.safeParse(data);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'event') {
      if (!isEventName(message.name)) return;
      for (const listener of this.listeners.get(message.name) ?? []) listener(message.payload);
      return;
    }
    // A window's port is never capped: the WebSocket host's `ready` greeting has no meaning here.
    if (message.type === 'ready' || message.id === null) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new Error(bridgeErrorMessage(message.error.code, message.error.message)));
  }
}
