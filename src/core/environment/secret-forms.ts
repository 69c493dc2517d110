/**
 * The ways a command can print a known secret so that a plain search misses
 * it: reversed, as hex (either case), or inside base64 at any of the three
 * byte alignments. Each form is given in canonical letters and digits only
 * (see `canonical`), so separators a command puts between the characters
 * (one per line, spaces, `:`, base64's `+/` or base64url's `-_`) do not
 * matter, and with the fewest characters of it that count as a leak.
 */
export interface SecretForm {
  /** Letters and digits only. */
  text: string;
  /** A run of at least this many characters of `text` is redacted. */
  minRun: number;
}

/** How many characters of a secret, printed in a row, count as leaking it. */
export const MIN_FRAGMENT = 8;

/** The letters and digits of `s`, in order: what survives any separators between them. */
export function canonical(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '');
}

/**
 * The characters of base64(prefix + secret + suffix) that depend on the
 * secret alone, for a secret `align` bytes after a 3-byte boundary: the
 * leading characters mixed with the unknown bytes before it and the trailing
 * ones mixed with those after it are left out.
 */
function base64Core(bytes: Buffer, align: 0 | 1 | 2): string {
  const padded = Buffer.concat([Buffer.alloc(align), bytes]);
  const whole = Math.floor(padded.length / 3);
  const rest = padded.length % 3;
  const encoded = padded.toString('base64').slice(0, whole * 4 + rest);
  const mixedAtStart = [0, 2, 3][align] ?? 0;
  return encoded.slice(mixedAtStart);
}

/**
 * Whether pieces of `secret` are telling enough to redact on their own: 16
 * or more letters and digits, of at least two kinds (lower, upper, digit).
 * A key or a token is; a password such as "password123" is not (its piece
 * "password" is everywhere), and is only redacted whole.
 */
export function looksRandom(secret: string): boolean {
  const c = canonical(secret);
  if (c.length < 16) return false;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(c)).length;
  return kinds >= 2;
}

/** Every form of `secret` worth looking for; forms too short to tell from chance are left out. */
export function secretForms(secret: string): SecretForm[] {
  const forms: SecretForm[] = [];
  const push = (text: string, minRun: number) => {
    const c = canonical(text);
    if (c.length >= minRun) forms.push({ text: c, minRun });
  };
  const raw = canonical(secret);
  push(raw, Math.min(MIN_FRAGMENT, raw.length));
  push([...secret].reverse().join(''), MIN_FRAGMENT);
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  // Two hex digits per byte: a run of as many bytes as MIN_FRAGMENT characters.
  push(hex, 2 * MIN_FRAGMENT);
  push(hex.toUpperCase(), 2 * MIN_FRAGMENT);
  // Four base64 characters per three bytes, less what canonical() drops.
  for (const align of [0, 1, 2] as const) push(base64Core(bytes, align), Math.ceil((4 * MIN_FRAGMENT) / 3) + 1);
  return forms;
}
