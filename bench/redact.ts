/**
 * Cost of redacting command output.
 *
 *   npx tsx bench/redact.ts [--mb N]
 *
 * Streams N MB of ordinary output (ls/log-like lines with hex ids and
 * base64 blobs) in 64 KiB chunks through the SecretSet (the provider key,
 * the web secret and two scrubbed values), and through a baseline measured
 * in this run: the whole-secret search the disguise-aware redaction
 * replaced (`includes` + split/join per secret). Prints MB/s of both, the
 * ratio, and how many markers the secret-free corpus got (false positives).
 */
import { parseArgs } from 'node:util';
import { SecretSet } from '../src/core/environment';
import { mulberry32 } from './lib/stats';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '16' } } });
const MB = Number(values.mb);
const SECRETS = [
  'sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd',
  'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx',
  'ghp_abcdEFGH1234ijklMNOP5678',
  'corp-value-123456',
];

function corpus(bytes: number): string[] {
  const rnd = mulberry32(7);
  const words = [
    'drwxr-xr-x',
    'README.md',
    'src',
    'node_modules',
    'INFO',
    'systemd[1]:',
    'Started',
    'nginx.service',
    '-rw-r--r--',
    '4096',
    'Dec',
    '20:00',
  ];
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const kind = rnd();
    let line: string;
    if (kind < 0.1) line = `commit ${Math.floor(rnd() * 2 ** 52).toString(16)}${Math.floor(rnd() * 2 ** 52).toString(16)}`;
    else if (kind < 0.15) line = Buffer.from(Array.from({ length: 45 }, () => Math.floor(rnd() * 256))).toString('base64');
    else line = Array.from({ length: 8 }, () => words[Math.floor(rnd() * words.length)]).join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  const text = `${lines.join('\n')}\n`;
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
  return chunks;
}

function naive(secrets: string[]): (t: string) => string {
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  return (t) => {
    let out = t;
    for (const s of sorted) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}

function mbPerSecond(run: () => void, bytes: number): number {
  const rounds = 3;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return bytes / 1e6 / best;
}

const chunks = corpus(MB * 1e6);
const bytes = chunks.reduce((n, c) => n + c.length, 0);
const set = new SecretSet();
set.add(...SECRETS);
const base = naive(SECRETS);
let sink = 0;
const baseline = mbPerSecond(() => {
  for (const c of chunks) sink += base(c).length;
}, bytes);
const ours = mbPerSecond(() => {
  const stream = set.stream();
  for (const c of chunks) sink += stream.push(c).length;
  sink += stream.end().length;
}, bytes);
console.log(`output: ${(bytes / 1e6).toFixed(1)} MB in 64 KiB chunks, ${SECRETS.length} secrets (${sink > 0 ? 'ok' : ''})`);
console.log(`whole-secret search (baseline): ${baseline.toFixed(0)} MB/s`);
console.log(`disguise-aware stream redaction: ${ours.toFixed(0)} MB/s`);
console.log(`ratio: ${(baseline / ours).toFixed(1)}x the baseline's time per byte`);
// The corpus holds no secret: every marker in it would be a false positive.
const stream = set.stream();
const out = chunks.map((c) => stream.push(c)).join('') + stream.end();
console.log(`false positives: ${out.split('[redacted]').length - 1} markers in ${(bytes / 1e6).toFixed(1)} MB of ordinary output`);
