import crypto from 'node:crypto';
import { SESSION_COOKIE } from '../../shared/wire';
import { parseCookies, tokensEqual } from './security';

/**
 * Who may use the browser host. The printed URL carries a one-time login
 * ticket; opening it trades the ticket for a session cookie and the ticket
 * is spent, so the URL left in a history or a log opens nothing. The cookie
 * is `<session id>.<HMAC of it under the install's secret>`: nothing is
 * stored per session, and a restarted server with the same secret accepts
 * the same cookie, so an open tab reconnects by itself.
 */
export class SessionAuth {
  private readonly tickets = new Set<string>();
  /** Nonces of signed tickets already used (they expire within minutes, so this stays small). */
  private readonly spent = new Map<string, number>();

  constructor(private readonly secret: string) {}

  /**
   * A ticket anyone holding the install's secret can mint without asking the
   * server (`aios web --login-url`): signed, valid for `ttlMs`, still once.
   */
  static signedTicket(secret: string, ttlMs: number, now = Date.now()): string {
    const nonce = crypto.randomBytes(16).toString('base64url');
    const expires = Math.floor((now + ttlMs) / 1000);
    return `s1.${nonce}.${expires}.${signTicket(secret, nonce, expires)}`;
  }

  /** A new single-use ticket (each is valid once, until the server stops). */
  newTicket(): string {
    const t = crypto.randomBytes(32).toString('base64url');
    this.tickets.add(t);
    return t;
  }

  /** Spends the ticket; true only the first time a valid one is given. */
  redeem(ticket: string, now = Date.now()): boolean {
    for (const t of this.tickets) {
      if (tokensEqual(t, ticket)) {
        this.tickets.delete(t);
        return true;
      }
    }
    const m = /^s1\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]+)$/.exec(ticket);
    if (!m) return false;
    const [, nonce, exp, mac] = m as unknown as [string, string, string, string];
    const expires = Number(exp);
    for (const [n, e] of this.spent) if (e * 1000 < now) this.spent.delete(n);
    if (expires * 1000 < now || this.spent.has(nonce) || !tokensEqual(signTicket(this.secret, nonce, expires), mac)) return false;
    this.spent.set(nonce, expires);
    return true;
  }

  /** A new session's cookie value. */
  newSession(): string {
    const id = crypto.randomBytes(18).toString('base64url');
    return `${id}.${this.mac(id)}`;
  }

  /** The session id of a request's valid cookie, or undefined. */
  session(cookieHeader: string | undefined): string | undefined {
    const value = parseCookies(cookieHeader).get(SESSION_COOKIE);
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const id = value.slice(0, dot);
    return tokensEqual(this.mac(id), value.slice(dot + 1)) ? id : undefined;
  }

  /** The Set-Cookie header of a session: not readable by script, never sent cross-site. */
  static cookieHeader(value: string): string {
    return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/`;
  }

  private mac(id: string): string {
    return crypto.createHmac('sha256', this.secret).update(`aios-web-session:${id}`).digest('base64url');
  }
}

function signTicket(secret: string, nonce: string, expires: number): string {
  return crypto.createHmac('sha256', secret).update(`aios-web-ticket:${nonce}.${expires}`).digest('base64url');
}
