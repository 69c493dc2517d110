import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED_MARKER, SecretSet } from '../../src/core/environment';
import { canonical, secretForms } from '../../src/core/environment/secret-forms';

// Shaped like an OpenAI project key and a web host secret (base64url).
const KEY = 'sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd';
const WEB = 'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx';

function set(): SecretSet {
  const s = new SecretSet();
  s.add(KEY, WEB);
  return s;
}

/** No run of 8 or more of the key's letters and digits survives, in any order of separators. */
function leaksKey(out: string): boolean {
  const canon = out.replace(/[^A-Za-z0-9]/g, '');
  const key = KEY.replace(/[^A-Za-z0-9]/g, '');
  for (let i = 0; i + 8 <= key.length; i++) if (canon.includes(key.slice(i, i + 8))) return true;
  return false;
}

describe('redaction of a known secret in disguise', () => {
  const s = set();

  it('one character per line, with or without other separators', () => {
    for (const sep of ['\n', '\r\n', ' ', ' \n', ', ', '|', '\t', ':\n']) {
      const out = s.redact(`before\n${[...KEY].join(sep)}\nafter`);
      expect(out, JSON.stringify(sep)).toContain(REDACTED_MARKER);
      expect(leaksKey(out), JSON.stringify(sep)).toBe(false);
      expect(out).toMatch(/^before\n/);
      expect(out).toMatch(/\nafter$/);
    }
  });

  it('as od -c and xxd print it', () => {
    const od = [...KEY]
      .map((c) => `   ${c}`)
      .join('')
      .replace(/((?: {3}.){16})/g, '$1\n0000020');
    expect(leaksKey(s.redact(od))).toBe(false);
    const bytes = Buffer.from(KEY);
    let xxd = '';
    for (let off = 0; off < bytes.length; off += 16) {
      const row = bytes.subarray(off, off + 16);
      const hex = row.toString('hex').replace(/(....)/g, '$1 ');
      xxd += `${off.toString(16).padStart(8, '0')}: ${hex} ${row.toString('latin1')}\n`;
    }
    const out = s.redact(xxd);
    expect(out).not.toMatch(new RegExp(bytes.subarray(8, 16).toString('hex')));
    expect(leaksKey(out)).toBe(false);
  });

  it('a part of it: a prefix, a suffix or a middle piece of 8 or more characters', () => {
    for (const part of [KEY.slice(0, 16), KEY.slice(0, 12), KEY.slice(-10), KEY.slice(9, 20), WEB.slice(5, 14)]) {
      const out = s.redact(`value: ${part}\n`);
      expect(out, part).toBe(`value: ${REDACTED_MARKER}\n`);
    }
  });

  it('reversed, hex in either case, base64 and base64url of text that holds it at any offset', () => {
    expect(s.redact([...KEY].reverse().join(''))).toBe(REDACTED_MARKER);
    expect(s.redact(Buffer.from(KEY).toString('hex'))).toBe(REDACTED_MARKER);
    expect(s.redact(Buffer.from(KEY).toString('hex').toUpperCase())).toBe(REDACTED_MARKER);
    for (let pre = 0; pre < 7; pre++) {
      for (const enc of ['base64', 'base64url'] as const) {
        const text = `${'x'.repeat(pre)}OPENAI_API_KEY=${KEY}\n`;
        const encoded = Buffer.from(text).toString(enc);
        const out = s.redact(`echo ${encoded}`);
        expect(out, `${enc} +${pre}`).toContain(REDACTED_MARKER);
        // What is left cannot be decoded back into 8 characters of the key.
        const left = out.replace(REDACTED_MARKER, ' ').split(/\s+/);
        for (const piece of left) expect(leaksKey(Buffer.from(piece, enc).toString('latin1')), `${enc} +${pre}: ${piece}`).toBe(false);
      }
    }
    // base64 wrapped at 76 columns, as base64(1) prints it.
    const wrapped = Buffer.from(`${'y'.repeat(70)}${KEY}${WEB}`)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n');
    expect(s.redact(wrapped)).toContain(REDACTED_MARKER);
    expect(
      s
        .redact(wrapped)
        .split('\n')
        .every((line) => !leaksKey(Buffer.from(line, 'base64').toString('latin1'))),
    ).toBe(true);
  });

  it('leaves ordinary output alone', () => {
    const ordinary = [
      'total 48\ndrwxr-xr-x  5 ai ai 4096 Dec  4 20:00 .\n-rw-r--r--  1 ai ai  220 Dec  4 20:00 .bash_logout',
      'commit 3f9a2c1b7e4d5f6a8b9c0d1e2f3a4b5c6d7e8f90\nAuthor: someone <a@b.c>',
      'sk-proj-is a prefix people talk about; sk-other-Zz9 too',
      Buffer.from('hello world, nothing to see here').toString('base64'),
      'Q7vT2mX', // seven characters of the key: not a leak
    ];
    for (const text of ordinary) expect(s.redact(text)).toBe(text);
  });

  it('a stream redacts the disguised forms whatever the chunk boundaries', () => {
    const forms = [[...KEY].join('\n'), Buffer.from(`k=${KEY}`).toString('base64'), Buffer.from(KEY).toString('hex'), KEY.slice(0, 14)];
    fc.assert(
      fc.property(fc.constantFrom(...forms), fc.string({ maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }), (form, before, cuts) => {
        const text = `${before} ${form} done\n`;
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const stream = s.stream();
        let out = '';
        let last = 0;
        for (const p of points) {
          out += stream.push(text.slice(last, p));
          last = p;
        }
        out += stream.push(text.slice(last)) + stream.end();
        expect(out).toContain(REDACTED_MARKER);
        expect(leaksKey(out)).toBe(false);
        expect(out.endsWith(' done\n')).toBe(true);
      }),
    );
  });

  it('a stream does not hold back ordinary output', () => {
    const stream = s.stream();
    expect(stream.push('$ ls\nREADME.md  src  test\n')).toBe('$ ls\nREADME.md  src  test\n');
    expect(stream.holding).toBe(false);
  });
});

describe('pieces of a weak secret are not redacted on their own', () => {
  it('a password such as "password123" is redacted whole, but the word "password" elsewhere stays', () => {
    const s = new SecretSet();
    s.add('password123');
    expect(s.redact('DB_PASSWORD=password123')).toBe(`DB_PASSWORD=${REDACTED_MARKER}`);
    expect(s.redact('Enter your password: ')).toBe('Enter your password: ');
  });
});

describe('a secret printed one character at a time', () => {
  const s = set();
  const stream = (text: string) => {
    const st = s.stream();
    return [...text].map((ch) => st.push(ch)).join('') + st.end();
  };

  it('from its start or from the middle, no more than 7 characters of it get out', () => {
    for (const text of [`x ${KEY} y`, `x ${KEY.slice(9)} y`, `x ${Buffer.from(KEY).toString('hex').slice(6)} y`]) {
      const out = stream(text);
      expect(out, text).toContain(REDACTED_MARKER);
      expect(leaksKey(out), out).toBe(false);
      expect(out.endsWith(' y')).toBe(true);
    }
  });

  it('ordinary text typed a character at a time comes through whole and at once', () => {
    const st = s.stream();
    // (Only a character that starts a secret, such as 's' of 'sk-', waits for the next one.)
    for (const ch of 'cd /tmp && make -j4\r\n') expect(st.push(ch)).toBe(ch);
  });
});

describe("the web host's signed login tickets", () => {
  it('are redacted wherever printed, also by a process that does not know the secret', async () => {
    const { SessionAuth } = await import('../../src/hosts/web/session-auth');
    const ticket = SessionAuth.signedTicket('x'.repeat(43), 120_000);
    const url = `http://127.3.4.5:41000/?ticket=${ticket}`;
    expect(new SecretSet().redact(url)).toBe(`http://127.3.4.5:41000/?ticket=${REDACTED_MARKER}`);
    expect(set().redact(`${url}\n`)).toBe(`http://127.3.4.5:41000/?ticket=${REDACTED_MARKER}\n`);
    const st = new SecretSet().stream();
    expect(st.push(`${url}\n`) + st.end()).not.toContain(ticket);
  });
});

describe('the fewest characters that count, in every form', () => {
  // The scan skips text where no window of a form can start: this checks the skip never skips a leak.
  it('exactly the minimum run of each form, at every offset, between ordinary words, is cut', () => {
    const s = set();
    for (const secret of [KEY, WEB]) {
      for (const form of secretForms(secret)) {
        for (let i = 0; i + form.minRun <= form.text.length; i++) {
          const piece = form.text.slice(i, i + form.minRun);
          for (const sep of ['', ' ', '\n']) {
            const out = s.redact(`The quick brown fox 0123 ${[...piece].join(sep)} jumps over ABCD`);
            expect(out, `${form.text} @${i} ${JSON.stringify(sep)}`).toContain(REDACTED_MARKER);
            expect(canonical(out)).not.toContain(piece);
          }
        }
      }
    }
  });

  it('the same pieces one character short are left alone', () => {
    const s = set();
    const form = secretForms(KEY)[0]!;
    for (let i = 0; i + form.minRun - 1 <= form.text.length; i++) {
      const text = `The quick brown fox ${form.text.slice(i, i + form.minRun - 1)} jumps`;
      expect(s.redact(text)).toBe(text);
    }
  });
});
