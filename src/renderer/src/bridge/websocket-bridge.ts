import {
  BridgeError,
  events,
  isEventName,
  type AiosBridge,
  type CallName,
  type CallRequest,
  type CallResponse,
  type EventName,
  type EventPayload,
} from '../../../shared/contract';
import { BYTES_FIELD_ON_WIRE, CLOSE_TOO_MANY, ServerMessageSchema, WS_PATH } from '../../../shared/wire';
import type { ConnectionState } from './connection';

export type { ConnectionState };

interface Pending {
  resolve(value: unknown): void;
  reject(err: BridgeError): void;
}

const MAX_BACKOFF_MS = 5000;

/**
 * The bridge contract over the browser host's WebSocket. The session cookie
 * set by the server rides along with the upgrade. Reconnects with backoff,
 * for as long as the page is open: a restarted `aios web` comes back at the
 * same address and accepts the same cookie, so the tab resumes by itself
 * (and at once when the network or the tab comes back). Calls made while
 * disconnected fail at once with `unavailable`, never hang.
 */
export class WebSocketBridge implements AiosBridge {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly stateListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  private attempts = 0;
  private everOpened = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  state: ConnectionState = 'connecting';

  /** Told while the server has no place for this tab (too many open), with its words; the tab keeps trying. */
  onWaiting: ((reason: string) => void) | undefined;
  private onReady: (() => void) | undefined;

  constructor(private readonly url: string = defaultUrl()) {
    if (typeof window !== 'undefined') {
      window.addEventListener('online', () => this.retryNow());
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') this.retryNow();
      });
    }
  }

  /** Skips the rest of the backoff when there is reason to think the server is back. */
  private retryNow(): void {
    if (this.retryTimer === undefined || !this.everOpened) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempts = 0;
    this.open();
  }

  /** Resolves once the first connection is open. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onState = (state: ConnectionState) => {
        if (state === 'open') {
          this.stateListeners.delete(onState);
          resolve();
        } else if (state === 'closed') {
          this.stateListeners.delete(onState);
          reject(new BridgeError('unavailable', 'could not connect to the aios server'));
        }
      };
      this.stateListeners.add(onState);
      this.open();
    });
  }

  onConnectionChange(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  call<N extends CallName>(name: N, request: CallRequest<N>): Promise<CallResponse<N>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new BridgeError('unavailable', 'not connected to the aios server'));
    }
    const id = this.nextId++;
    return new Promise<CallResponse<N>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.send(JSON.stringify({ type: 'call', id, name, payload: request }));
    });
  }

  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    if (!isEventName(name)) throw new BridgeError('unknown_call', `unknown event '${String(name)}'`);
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  private setState(state: ConnectionState): void {
    const reconnected = state === 'open' && this.everOpened;
    if (state === 'open') this.everOpened = true;
    this.state = state;
    for (const l of [...this.stateListeners]) l(state, reconnected);
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    // Open once the server says it keeps this socket: one over the tab cap is accepted only to be told why, and closed.
    this.onReady = () => {
      this.attempts = 0;
      this.setState('open');
    };
    socket.addEventListener('message', (event: MessageEvent<string>) => this.onMessage(event.data));
    socket.addEventListener('close', (event: CloseEvent) => {
      for (const p of this.pending.values()) p.reject(new BridgeError('unavailable', 'connection to the aios server was lost'));
      this.pending.clear();
      const full = event.code === CLOSE_TOO_MANY;
      if (full) {
        // Not a failure: a place frees when another tab closes. Keep trying, no slower than every 5 s.
        this.onWaiting?.(event.reason || 'too many tabs are open; close one and this tab connects by itself');
        this.attempts = Math.min(this.attempts, 4);
      }
      if (!full && !this.everOpened && this.attempts >= 3) {
        this.setState('closed');
        return;
      }
      this.setState(this.everOpened ? 'reconnecting' : 'connecting');
      const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.attempts++);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.open();
      }, delay);
    });
  }

  private onMessage(raw: string): void {
    let parsed;
    try {
      parsed = ServerMessageSchema.safeParse(JSON.parse(raw));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'ready') {
      this.onReady?.();
      this.onReady = undefined;
      return;
    }
    if (msg.type === 'event') {
      if (!isEventName(msg.name)) return;
      const bytesField = BYTES_FIELD_ON_WIRE[msg.name];
      const payload = bytesField ? withBytes(msg.name, msg.payload, bytesField) : msg.payload;
      if (payload === undefined) return;
      for (const l of this.listeners.get(msg.name) ?? []) l(payload as never);
      return;
    }
    if (msg.id === null) {
      console.warn('aios: the server refused a frame:', msg.ok ? '' : msg.error.message);
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    this.pending.delete(msg.id);
    if (msg.ok) pending.resolve(msg.value);
    else pending.reject(new BridgeError(msg.error.code, msg.error.message));
  }
}

/** An event's payload as the contract has it, its bytes field decoded from base64 (BYTES_FIELD_ON_WIRE); undefined for a malformed frame. */
function withBytes(name: EventName, payload: unknown, field: string): unknown {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const text = (payload as Record<string, unknown>)[field];
  if (typeof text !== 'string') return undefined;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text);
  } catch {
    return undefined;
  }
  const parsed = events[name].safeParse({ ...payload, [field]: bytes });
  return parsed.success ? parsed.data : undefined;
}

function decodeBase64(text: string): Uint8Array {
  const fromBase64 = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64.call(Uint8Array, text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function defaultUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}`;
}
