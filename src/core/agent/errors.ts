/** Why a model request failed, in words a person can act on. */
export type ProviderErrorKind =
  | 'auth'
  | 'rate_limit'
  | 'server'
  | 'connection'
  | 'timeout'
  | 'stream_cut'
  | 'bad_request'
  | 'not_found'
  | 'cancelled'
  /** An error object arrived in place of a chunk. */
  | 'stream_error'
  /** A known answer that a setting fixes, not a retry (no tool support, llama-server without --jinja, context too long…). */
  | 'setup';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Raised when the chat is used with no provider configured. */
export class NoProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoProviderError';
  }
}
