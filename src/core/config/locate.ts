/**
 * Where each key and array element of a TOML document is written, so an
 * error about `permissions.deny[2]` can name its line and column. The
 * document has already been accepted by the TOML parser; this only finds
 * positions and is not a validator.
 */
export interface TomlPosition {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

const BARE_KEY = /[A-Za-z0-9_-]/;

class Scanner {
  private i = 0;
  private readonly lineStarts: number[] = [0];
  readonly positions = new Map<string, TomlPosition>();
  private readonly tableArrays = new Map<string, number>();

  constructor(private readonly text: string) {
    for (let k = 0; k < text.length; k++) if (text[k] === '\n') this.lineStarts.push(k + 1);
  }

  private pos(index: number): TomlPosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: index - (this.lineStarts[lo] as number) + 1 };
  }

  private record(path: string, index: number): void {
    if (!this.positions.has(path)) this.positions.set(path, this.pos(index));
  }

  private peek(n = 0): string {
    return this.text[this.i + n] ?? '';
  }

  private skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.i++;
      else if (c === '#') while (this.i < this.text.length && this.peek() !== '\n') this.i++;
      else return;
    }
  }

  private string(): string {
    const t = this.text;
    if (t.startsWith('"""', this.i) || t.startsWith("'''", this.i)) {
      const q = t.slice(this.i, this.i + 3);
      let k = this.i + 3;
      while (k < t.length && !t.startsWith(q, k)) {
        if (q === '"""' && t[k] === '\\') k++;
        k++;
      }
      // The content may end in one or two quote characters right before the delimiter.
      while (t[k + 3] === q[0]) k++;
      const value = t.slice(this.i + 3, k);
      this.i = k + 3;
      return value;
    }
    const q = t[this.i] as string;
    let k = this.i + 1;
    let value = '';
    while (k < t.length && t[k] !== q) {
      if (q === '"' && t[k] === '\\') {
        value += t[k + 1] ?? '';
        k += 2;
        continue;
      }
      value += t[k];
      k++;
    }
    this.i = k + 1;
    return value;
  }

  private simpleKey(): string {
    const c = this.peek();
    if (c === '"' || c === "'") return this.string();
    const start = this.i;
    while (BARE_KEY.test(this.peek())) this.i++;
    return this.text.slice(start, this.i);
  }

  private keyPath(): string[] {
    const keys: string[] = [];
    for (;;) {
      this.skipSpace(false);
      keys.push(this.simpleKey());
      this.skipSpace(false);
      if (this.peek() !== '.') return keys;
      this.i++;
    }
  }

  private value(path: string): void {
    this.skipSpace(false);
    const c = this.peek();
    if (c === '"' || c === "'") {
      this.string();
    } else if (c === '[') {
      this.i++;
      for (let idx = 0; ; idx++) {
        this.skipSpace(true);
        if (this.peek() === ']' || this.i >= this.text.length) break;
        this.record(`${path}[${idx}]`, this.i);
        this.value(`${path}[${idx}]`);
        this.skipSpace(true);
        if (this.peek() === ',') this.i++;
      }
      this.i++;
    } else if (c === '{') {
      this.i++;
      for (;;) {
        this.skipSpace(false);
        if (this.peek() === '}' || this.i >= this.text.length) break;
        const at = this.i;
        const keys = this.keyPath();
        const full = [path, ...keys].join('.');
        this.record(full, at);
        this.skipSpace(false);
        if (this.peek() === '=') this.i++;
        this.value(full);
        this.skipSpace(false);
        if (this.peek() === ',') this.i++;
      }
      this.i++;
    } else {
      while (this.i < this.text.length && !',]}#\n\r'.includes(this.peek())) this.i++;
    }
  }

  run(): void {
    let table: string[] = [];
    while (this.i < this.text.length) {
      this.skipSpace(true);
      if (this.i >= this.text.length) break;
      const at = this.i;
      if (this.text.startsWith('[[', this.i)) {
        this.i += 2;
        const keys = this.keyPath();
        const base = keys.join('.');
        const n = this.tableArrays.get(base) ?? 0;
        this.tableArrays.set(base, n + 1);
        this.record(base, at);
        table = [...keys.slice(0, -1), `${keys[keys.length - 1]}[${n}]`];
        this.record(table.join('.'), at);
        this.i = this.text.indexOf(']]', this.i) + 2;
      } else if (this.peek() === '[') {
        this.i++;
        table = this.keyPath();
        this.record(table.join('.'), at);
        this.i = this.text.indexOf(']', this.i) + 1;
      } else {
        const keys = this.keyPath();
        const full = [...table, ...keys].join('.');
        for (let k = 1; k < keys.length; k++) this.record([...table, ...keys.slice(0, k)].join('.'), at);
        this.record(full, at);
        this.skipSpace(false);
        if (this.peek() === '=') this.i++;
        this.value(full);
      }
      if (this.i <= at) this.i = at + 1; // never loop on text this scanner does not understand
    }
  }
}

/** Positions of every key (`a.b.c`) and array element (`a.b[2]`) in a TOML document. */
export function tomlPositions(text: string): Map<string, TomlPosition> {
  const s = new Scanner(text);
  try {
    s.run();
  } catch {
    // Positions are a courtesy for error messages; a scanner slip must not hide the error itself.
  }
  return s.positions;
}

/** The position of a key path, or of its nearest written parent. */
export function locate(positions: ReadonlyMap<string, TomlPosition>, keyPath: string): TomlPosition | undefined {
  let key = keyPath;
  for (;;) {
    const p = positions.get(key);
    if (p) return p;
    const cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
    if (cut <= 0) return undefined;
    key = key.slice(0, cut);
  }
}
