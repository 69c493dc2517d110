import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** The CSP of the UI, on every host: no inline or foreign script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // xterm.js and React set inline styles; no script can come through style-src.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), payment=()',
};

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function tokensEqual(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1';
  return false;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Which Host (and Origin) values the server answers to. Checking Host stops
 * DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends
 * `Host: evil.example`. Bound to the unspecified address (0.0.0.0, ::) the
 * server cannot know its public names, so any Host is accepted there and the
 * Origin must equal it; the token is required in every case.
 */
export class HostPolicy {
  private readonly hosts: Set<string> | undefined;

  constructor(bindHost: string, port: number) {
    const bare = bindHost.replace(/^\[|\]$/g, '');
    if (bare === '0.0.0.0' || bare === '::') {
      this.hosts = undefined;
      return;
    }
    const names = isLoopback(bare) ? ['127.0.0.1', 'localhost', '[::1]', bare] : [bare];
    this.hosts = new Set(names.map((n) => `${net.isIPv6(n) ? `[${n}]` : n}:${port}`.toLowerCase()));
  }

  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host?.toLowerCase();
    if (host === undefined || host.length === 0) return false;
    return this.hosts === undefined || this.hosts.has(host);
  }

  /** A request with an Origin must come from the UI itself, i.e. the host it asked. */
  originAllowed(req: IncomingMessage, required: boolean): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && url.host.toLowerCase() === req.headers.host?.toLowerCase() && this.hostAllowed(req);
    } catch {
      return false;
    }
  }
}
