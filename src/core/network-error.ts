/**
 * Why a request never got an answer, in words: fetch reports "fetch failed"
 * and hides the reason two causes deep (ECONNREFUSED, ENOTFOUND, …).
 */
export function networkReason(err: unknown, url: string | undefined): string {
  let host = 'the server';
  try {
    if (url) host = new URL(url).host;
  } catch {
    // keep the generic word
  }
  const code = causeCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing is listening at ${host}: is the server running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name of ${host} cannot be resolved`;
    case 'ECONNRESET':
      return `${host} closed the connection`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} cannot be reached from this machine (no route)`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `${host} did not accept the connection in time`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `the TLS certificate of ${host} is not trusted (${code})`;
    case 'bad port':
      return `port ${host.split(':').pop()} is reserved for another protocol and no HTTP client may use it: use the server's real port`;
    default:
      return code ? `cannot reach ${host} (${code})` : `cannot reach ${host}`;
  }
}

export function causeCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const x = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof x.code === 'string' && x.code.length > 0) return x.code;
    if (x.message === 'bad port') return 'bad port';
    e = x.cause;
  }
  return undefined;
}

/**
 * A kept-alive connection the server had just closed: the request never got
 * an answer and one retry on a fresh connection is the cure (servers close
 * idle sockets after a few seconds; a pause of that length makes it likely).
 */
export function isStaleConnection(err: unknown): boolean {
  const code = causeCode(err);
  return code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE';
}
