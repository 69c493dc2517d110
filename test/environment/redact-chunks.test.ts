import { describe, expect, it } from 'vitest';
import { REDACTED_MARKER, SecretSet } from '../../src/core/environment';
import { canonical, MIN_FRAGMENT, secretForms } from '../../src/core/environment/secret-forms';

// Shaped like an OpenAI project key and a web host secret (base64url).
const KEY = 'sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd';
const WEB = 'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx';
/** Ordinary output around it, long enough that each chunk is a terminal's coalesced batch, not a few characters. */
const BEFORE = 'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n'.repeat(800);
const AFTER = '\r\nand then some more ordinary output\r\n';

function leaks(out: string, form: string, run: number): boolean {
  const canon = canonical(out);
  for (let i = 0; i + run <= form.length; i++) if (canon.includes(form.slice(i, i + run))) return true;
  return false;
}

describe('a stream of terminal-sized chunks', () => {
  const s = new SecretSet();
  s.add(KEY, WEB);

  // The redactor reads a chunk apart from the context it kept from the one before: a secret split anywhere must still be found.
  it('redacts a secret, or the fewest characters of a form that count, split across two chunks at every offset', () => {
    const cases = [KEY, WEB, ...secretForms(KEY).map((f) => f.text.slice(3, 3 + f.minRun)), [...KEY].join('\n')];
    for (const secret of cases) {
      const text = `${BEFORE}value: ${secret}${AFTER}`;
      const at = BEFORE.length;
      for (let cut = at - 2; cut <= at + 'value: '.length + secret.length + 2; cut++) {
        const stream = s.stream();
        const out = stream.push(text.slice(0, cut)) + stream.push(text.slice(cut)) + stream.end();
        const where = `${JSON.stringify(secret.slice(0, 12))} cut at ${cut - at}`;
        expect(out, where).toContain(REDACTED_MARKER);
        expect(leaks(out, canonical(KEY), MIN_FRAGMENT), where).toBe(false);
        expect(out.startsWith(BEFORE), where).toBe(true);
        expect(out.endsWith(AFTER), where).toBe(true);
      }
    }
  });

  it('redacts a weak secret (only ever cut whole) split across two chunks at every offset', () => {
    const weak = new SecretSet();
    weak.add('password123');
    const text = `${BEFORE}DB_PASSWORD=password123${AFTER}`;
    const at = BEFORE.length + 'DB_PASSWORD='.length;
    for (let cut = at - 1; cut <= at + 'password123'.length + 1; cut++) {
      const stream = weak.stream();
      const out = stream.push(text.slice(0, cut)) + stream.push(text.slice(cut)) + stream.end();
      expect(out, `cut at ${cut - at}`).toBe(`${BEFORE}DB_PASSWORD=${REDACTED_MARKER}${AFTER}`);
    }
  });

  // The redactor looks for a ticket's "s1." in its kept context and the new chunk apart, and across the seam between them.
  it('cuts a signed login ticket whose start is split across two chunks at every offset', () => {
    const mac = `${'Zq9_'.repeat(10)}abc`;
    const ticket = `s1.${'Ab3'.repeat(7)}x.176722560.${mac}`;
    const text = `${BEFORE}open http://127.0.0.1:41000/?ticket=${ticket}${AFTER}`;
    const at = text.indexOf(ticket);
    for (let cut = at - 1; cut <= at + 4; cut++) {
      const stream = s.stream();
      const out = stream.push(text.slice(0, cut)) + stream.push(text.slice(cut)) + stream.end();
      expect(out, `cut at ${cut - at}`).toContain(REDACTED_MARKER);
      expect(out, `cut at ${cut - at}`).not.toContain(mac);
    }
  });

  it('holds back only the tail that may begin a secret, also after earlier chunks', () => {
    const stream = s.stream();
    expect(stream.push(BEFORE)).toBe(BEFORE);
    expect(stream.push(`${BEFORE}value: ${KEY.slice(0, 5)}`)).toBe(`${BEFORE}value: `);
    expect(stream.holding).toBe(true);
    expect(stream.end()).toBe(KEY.slice(0, 5));
  });

  it('passes ordinary chunks on whole and at once, each as it came', () => {
    const stream = s.stream();
    for (let i = 0; i < 5; i++) expect(stream.push(BEFORE)).toBe(BEFORE);
    expect(stream.holding).toBe(false);
  });
});
