import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { ClientMessageSchema, MAX_WIRE_FRAME_BYTES, TOKEN_COOKIE, TOKEN_QUERY_PARAM, WS_PATH, type ServerMessage } from '../../shared/wire';
import { describeZodError } from '../../shared/contract';
import { dispatchCall } from '../core/bridge/dispatch';
import type { Core } from '../core/core';
import { HostPolicy, SECURITY_HEADERS, isLoopback, newToken, parseCookies, tokensEqual } from './security';
import { resolveStaticFile } from './static-files';

export interface WebHostOptions {
  core: Core;
  rendererDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); a fresh random one per start otherwise. */
  token?: string;
  log?: (line: string) => void;
}

export interface StartedWebHost {
  url: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}

/**
 * The browser host: serves the built renderer and carries the bridge
 * contract over one WebSocket. Every request and upgrade needs the per-start
 * token (first as `?token=`, then as an HttpOnly cookie), a Host header naming
 * this server and, where a browser sends one, an Origin of this server.
 */
export async function startWebHost(options: WebHostOptions): Promise<StartedWebHost> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const log = options.log ?? (() => undefined);
  const indexFile = `${options.rendererDir}/index.html`;
  if (!fs.existsSync(indexFile)) {
    throw new Error(`the built UI is missing (${indexFile}); run \`npm run build\` first`);
  }

  // Replaced once the port is known; until then it matches no Host at all.
  let hostPolicy = new HostPolicy(host, 0);
  let cookieName = TOKEN_COOKIE;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_FRAME_BYTES });
  const sockets = new Set<WebSocket>();
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
    const queryToken = url.searchParams.get(TOKEN_QUERY_PARAM);
    if (queryToken !== null) {
      if (!tokensEqual(token, queryToken)) {
        respond(res, 403, 'forbidden: wrong token. Open the URL that `aios web` printed.');
        return;
      }
      url.searchParams.delete(TOKEN_QUERY_PARAM);
      // Trade the URL token for a cookie so it leaves the address bar and history.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: `${url.pathname}${url.search}`,
        'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!tokensEqual(token, parseCookies(req.headers.cookie).get(cookieName))) {
      respond(res, 403, 'forbidden: missing token. Open the URL that `aios web` printed (it carries the access token).');
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
    const given = parseCookies(req.headers.cookie).get(cookieName) ?? url.searchParams.get(TOKEN_QUERY_PARAM) ?? undefined;
    if (!tokensEqual(token, given)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function onConnection(ws: WebSocket): void {
    const clientId = `web-${nextClient++}`;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', (err) => log(`web: ${clientId}: ${err.message}`));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void onMessage(ws, clientId, data, isBinary);
    });
  }

  async function onMessage(ws: WebSocket, clientId: string, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      send(ws, { type: 'result', id: null, ok: false, error: { code: 'invalid_request', message: 'binary frames are not part of the protocol' } });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      send(ws, { type: 'result', id: null, ok: false, error: { code: 'invalid_request', message: 'frame is not valid JSON' } });
      return;
    }
    const parsed = ClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown } | null)?.id === 'number' ? (json as { id: number }).id : null;
      send(ws, { type: 'result', id, ok: false, error: { code: 'invalid_request', message: `malformed message: ${describeZodError(parsed.error)}` } });
      return;
    }
    const result = await dispatchCall(options.core.handlers, parsed.data.name, parsed.data.payload, { clientId });
    send(ws, result.ok ? { type: 'result', id: parsed.data.id, ok: true, value: result.value } : { type: 'result', id: parsed.data.id, ok: false, error: result.error });
  }

  const unsubscribe = options.core.events.onAny((name, payload) => {
    const frame = JSON.stringify({ type: 'event', name, payload } satisfies ServerMessage);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
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
  // Cookies are shared by every port of a host; name ours by port so two
  // servers on one machine do not overwrite each other's token.
  cookieName = `${TOKEN_COOKIE}_${port}`;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost;
  if (!isLoopback(host)) {
    log(`WARNING: aios web is listening on ${host}, which is reachable from other machines. Anyone with the token can run commands as you.`);
  }

  return {
    url: `http://${displayHost}:${port}/?${TOKEN_QUERY_PARAM}=${token}`,
    port,
    host,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function respond(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${message}\n`);
}
