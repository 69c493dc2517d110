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

  constructor(private readonly secret: string) {}

  /** A new single-use ticket (each is valid once, until the server stops). */
  newTicket(): string {
    const t = crypto.randomBytes(32).toString('base64url');
    this.tickets.add(t);
    return t;
  }

  /** Spends the ticket; true only the first time a valid one is given. */
  redeem(ticket: string): boolean {
    for (const t of this.tickets) {
      if (tokensEqual(t, ticket)) {
        this.tickets.delete(t);
        return true;
      }
    }
    return false;
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
