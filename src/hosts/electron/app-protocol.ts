import fs from 'node:fs';
import type { Protocol } from 'electron';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../web/security';
import { resolveStaticFile } from '../web/static-files';

/** The UI is served from `app://aios/`, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'aios';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/** Must run before `app.whenReady()`: a standard, secure scheme gets a real origin. */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Answers `app://aios/<path>` from the built renderer; anything outside it is a 404. */
export async function serveAppRequest(rendererDir: string, requestUrl: string): Promise<Response> {
  const url = new URL(requestUrl);
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY };
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return new Response('not found', { status: 404, headers });
  }
  const found = resolveStaticFile(rendererDir, url.pathname);
  if (!found) return new Response('not found', { status: 404, headers });
  const body = await fs.promises.readFile(found.file);
  return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': found.contentType } });
}

export function handleAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request.url));
}

/** True for a frame showing our own UI; IPC from anything else is refused. */
export function isAppFrameUrl(frameUrl: string | undefined): boolean {
  if (!frameUrl) return false;
  try {
    const url = new URL(frameUrl);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}
