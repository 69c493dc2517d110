import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import {
  BYTES_FIELD_ON_WIRE,
  ClientMessageSchema,
  CLOSE_TOO_MANY,
  LOGIN_TICKET_PARAM,
  MAX_WIRE_FRAME_BYTES,
  SESSION_COOKIE,
  WS_PATH,
  type ServerMessage,
} from '../../shared/wire';
import { describeZodError } from '../../shared/contract';
import type { ConnectedClient } from '../../core/bridge/client';
import type { Core } from '../../core/core';
import { HostPolicy, SECURITY_HEADERS, isLoopback, newToken } from './security';
import { SessionAuth } from './session-auth';
import { resolveStaticFile } from './static-files';
import { aiosCommand } from '../../core/aios-command';

export interface WebLimits {
  /** Bytes a socket may have queued for sending; a client past it is dropped (it reconnects and resyncs). */
  maxBufferedBytes: number;
  /** Sockets per login session, and in all. */
  maxSocketsPerSession: number;
  maxSockets: number;
  /** Calls a socket may have unanswered before the server stops reading it (terminal input waits for the shell). */
  maxCallsInFlight: number;
}

export const DEFAULT_WEB_LIMITS: WebLimits = {
  maxBufferedBytes: 8 * 1024 * 1024,
  maxSocketsPerSession: 8,
  maxSockets: 32,
  maxCallsInFlight: 16,
};

export interface WebHostOptions {
  core: Core;
  rendererDir: string;
  host?: string;
  port?: number;
  /** The install's secret, which signs session cookies (from web.json); a fresh one per start otherwise. */
  secret?: string;
  limits?: Partial<WebLimits>;
  log?: (line: string) => void;
}

export interface StartedWebHost {
  /** The address with a fresh one-time login ticket: what `aios web` prints. */
  url: string;
  /** The address alone, no secret in it. */
  baseUrl: string;
  port: number;
  host: string;
  /** Another one-time login URL (each printed URL works once). */
  loginUrl(): string;
  /** A valid session cookie header value (tests and the login page). */
  sessionCookie(): string;
  /** Sockets open now, and bytes queued for them (for tests and diagnostics). */
  sockets(): Array<{ clientId: string; session: string; bufferedAmount: number }>;
  close(): Promise<void>;
}

interface Client {
  id: string;
  session: string;
  inFlight: number;
  paused: boolean;
  /** Its calls and its goodbye to the core (terminals, …). */
  connection: ConnectedClient;
}

/**
 * The browser host: serves the built renderer and carries the bridge
 * contract over one WebSocket. The printed URL's one-time ticket buys an
 * HttpOnly session cookie; every request and upgrade needs that cookie, a
 * Host header naming this server and, where a browser sends one, an Origin
 * of this server. Each socket is bounded: what it may have queued, how many
 * calls it may have in flight, how many sockets a session may hold.
 */
export async function startWebHost(options: WebHostOptions): Promise<StartedWebHost> {
  const host = options.host ?? '127.0.0.1';
  const secret = options.secret ?? newToken();
  const auth = new SessionAuth(secret);
  const limits = { ...DEFAULT_WEB_LIMITS, ...options.limits };
  const log = options.log ?? (() => undefined);
  const indexFile = `${options.rendererDir}/index.html`;
  if (!fs.existsSync(indexFile)) {
    throw new Error(`the built UI is missing (${indexFile}); run \`npm run build\` first`);
  }
  // What a command could print of the host's secrets is redacted like the provider key.
  options.core.commandEnv.secrets.add(secret);

  // Replaced once the port is known; until then it matches no Host at all.
  let hostPolicy = new HostPolicy(host, 0);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_FRAME_BYTES });
  const clients = new Map<WebSocket, Client>();
  let nextClient = 1;

  const server = http.createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      log(`web: request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) respond(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostPolicy.hostAllowed(req) || !hostPolicy.originAllowed(req, false)) {
      respond(res, 403, 'forbidden: this server only answers to its own address');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      respond(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const ticket = url.searchParams.get(LOGIN_TICKET_PARAM);
    const session = auth.session(req.headers.cookie);
    if (ticket !== null) {
      url.searchParams.delete(LOGIN_TICKET_PARAM);
      const location = `${url.pathname}${url.search}`;
      // A spent ticket with a live session (a reload of the login URL) just goes on; without one it is refused.
      if (!auth.redeem(ticket)) {
        if (session) {
          res.writeHead(303, { ...SECURITY_HEADERS, Location: location, 'Cache-Control': 'no-store' });
          res.end();
          return;
        }
        respond(
          res,
          403,
          `forbidden: this login link was already used (each works once). Run \`${aiosCommand('web --login-url')}\` for a new one, or open the tab you logged in with.`,
        );
        return;
      }
      // Not a redirect: when the login link was opened from elsewhere (a kiosk's login page, another
      // site), a redirect stays a cross-site navigation and the SameSite=Strict cookie would not ride
      // along. A page of our own that moves on makes the next request same-site.
      const body = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${escapeHtml(location)}"><title>aios</title><p>Logged in. <a href="${escapeHtml(location)}">Open aios</a></p>`;
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Set-Cookie': SessionAuth.cookieHeader(auth.newSession()),
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      res.end(body);
      return;
    }
    if (!session) {
      respond(res, 403, `forbidden: not logged in. Open the URL that \`${aiosCommand('web')}\` printed (its login link works once).`);
      return;
    }
    const found = resolveStaticFile(options.rendererDir, url.pathname);
    if (!found) {
      respond(res, 404, 'not found');
      return;
    }
    const body = await fs.promises.readFile(found.file);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': found.contentType,
      'Content-Length': body.length,
      'Cache-Control': found.contentType.startsWith('text/html') ? 'no-store' : 'private, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found');
    if (!hostPolicy.hostAllowed(req) || !hostPolicy.originAllowed(req, true)) return refuse(403, 'Forbidden');
    const session = auth.session(req.headers.cookie);
    if (!session) return refuse(403, 'Forbidden');
    const mine = [...clients.values()].filter((c) => c.session === session).length;
    if (mine >= limits.maxSocketsPerSession || clients.size >= limits.maxSockets) {
      const why =
        mine >= limits.maxSocketsPerSession ? `${mine} tabs are already open for this login` : `${clients.size} tabs are already open`;
      log(`web: refused a socket: ${why}`);
      // A page cannot read an HTTP status of a refused upgrade: it is told in a close frame, and waits for a free place.
      wss.handleUpgrade(req, socket, head, (ws) =>
        ws.close(CLOSE_TOO_MANY, `too many tabs: ${why}; close one and this tab connects by itself`),
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, session));
  });

  /** Sends, unless the socket has stopped reading: then it is dropped rather than buffered without end. */
  function send(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount + frame.length > limits.maxBufferedBytes) {
      const c = clients.get(ws);
      log(`web: ${c?.id ?? 'a client'} is not reading (${ws.bufferedAmount} bytes queued); dropping it`);
      clients.delete(ws);
      c?.connection.close();
      ws.terminate();
      return;
    }
    ws.send(frame);
  }

  function reply(ws: WebSocket, message: ServerMessage): void {
    send(ws, JSON.stringify(message));
  }

  function onConnection(ws: WebSocket, session: string): void {
    const id = `web-${nextClient++}`;
    // Events go out once for every socket (below); the connection carries the calls and the goodbye.
    const client: Client = { id, session, inFlight: 0, paused: false, connection: options.core.connect(id) };
    clients.set(ws, client);
    reply(ws, { type: 'ready' });
    ws.on('close', () => {
      clients.delete(ws);
      client.connection.close();
    });
    ws.on('error', (err) => log(`web: ${client.id}: ${err.message}`));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      client.inFlight++;
      // Too many calls unanswered (a paste into a shell that does not read): stop reading, so TCP pushes back.
      if (!client.paused && client.inFlight >= limits.maxCallsInFlight) {
        client.paused = true;
        ws.pause();
      }
      void onMessage(ws, client.connection, data, isBinary).finally(() => {
        client.inFlight--;
        if (client.paused && client.inFlight < limits.maxCallsInFlight / 2) {
          client.paused = false;
          ws.resume();
        }
      });
    });
  }

  async function onMessage(ws: WebSocket, connection: ConnectedClient, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      reply(ws, {
        type: 'result',
        id: null,
        ok: false,
        error: { code: 'invalid_request', message: 'binary frames are not part of the protocol' },
      });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      reply(ws, { type: 'result', id: null, ok: false, error: { code: 'invalid_request', message: 'frame is not valid JSON' } });
      return;
    }
    const parsed = ClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown } | null)?.id === 'number' ? (json as { id: number }).id : null;
      reply(ws, {
        type: 'result',
        id,
        ok: false,
        error: { code: 'invalid_request', message: `malformed message: ${describeZodError(parsed.error)}` },
      });
      return;
    }
    const result = await connection.call(parsed.data.name, parsed.data.payload);
    reply(
      ws,
      result.ok
        ? { type: 'result', id: parsed.data.id, ok: true, value: result.value }
        : { type: 'result', id: parsed.data.id, ok: false, error: result.error },
    );
  }

  const unsubscribe = options.core.events.onAny((name, payload) => {
    const bytesField = BYTES_FIELD_ON_WIRE[name];
    const wirePayload = bytesField ? withBase64(payload as Record<string, unknown>, bytesField) : payload;
    const frame = JSON.stringify({ type: 'event', name, payload: wirePayload } satisfies ServerMessage);
    for (const ws of [...clients.keys()]) send(ws, frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hostPolicy = new HostPolicy(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost;
  if (!isLoopback(host)) {
    log(
      `WARNING: aios web is listening on ${host}, which is reachable from other machines. Anyone with the login link or a session cookie can run commands as you.`,
    );
  }
  const baseUrl = `http://${displayHost}:${port}/`;
  const loginUrl = () => {
    const ticket = auth.newTicket();
    options.core.commandEnv.secrets.add(ticket);
    return `${baseUrl}?${LOGIN_TICKET_PARAM}=${ticket}`;
  };

  return {
    url: loginUrl(),
    baseUrl,
    port,
    host,
    loginUrl,
    sessionCookie: () => `${SESSION_COOKIE}=${auth.newSession()}`,
    sockets: () => [...clients].map(([ws, c]) => ({ clientId: c.id, session: c.session, bufferedAmount: ws.bufferedAmount })),
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of clients.keys()) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function respond(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${message}\n`);
}

/** A payload with its bytes field as JSON can carry it (BYTES_FIELD_ON_WIRE). */
function withBase64(payload: Record<string, unknown>, field: string): Record<string, unknown> {
  const bytes = payload[field] as Uint8Array;
  return { ...payload, [field]: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}
