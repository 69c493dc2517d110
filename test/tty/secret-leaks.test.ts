import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs } from '../agent/harness';
import { startLlmServer, type LlmServer, type Step } from '../support/llm-server';
import { REPO_ROOT } from '../support/policy';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

/**
 * The provider key and the web host's secret never reach the model, however
 * the model asks commands and tools to print them: through the real
 * `aios chat` in a pty, against the scripted model (a stand-in for the
 * provider, which records every request body), with every question
 * approved, so no command is refused or confined: what holds here is the
 * environment (aios's own and its children's) and redaction.
 */
const KEY = 'sk-proj-Lk7Qz2Xv9RmT4wBn8YcP3hJd6FsGa1Ue5Ko0Ni';
const PROMPT = /\[aios\] > $/;
const ASKS = /(Run|Call) it\? \[y\/N\] \(\d+ s\) $/;
const FAKE_MCP = path.join(REPO_ROOT, 'test', 'support', 'fake-mcp-server.ts');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

/** Every run of 8 letters and digits of `secret` (what redaction guarantees never passes). */
function windows(secret: string): string[] {
  const c = secret.replace(/[^A-Za-z0-9]/g, '');
  return Array.from({ length: c.length - 7 }, (_, i) => c.slice(i, i + 8));
}

/**
 * Whether `text` holds 8 or more characters of `secret` in a row, read as
 * an attacker would: as is, with every separator removed, reversed, and
 * after decoding every base64, base64url and hex run in it (wrapped lines
 * joined).
 */
function leaks(text: string, secret: string): string | undefined {
  const ws = windows(secret);
  const found = (t: string) => ws.find((w) => t.replace(/[^A-Za-z0-9]/g, '').includes(w));
  const readings: Array<[string, string]> = [
    ['plain', text],
    ['reversed', [...text].reverse().join('')],
  ];
  const joined = text.replace(/\\n|\s/g, '');
  for (const run of joined.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
    for (let skip = 0; skip < 4; skip++)
      readings.push([
        `base64 of ${run.slice(0, 20)}…`,
        Buffer.from(run.slice(skip).replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('latin1'),
      ]);
  }
  const hexOnly = text.replace(/^[0-9a-f]{7,8}:?/gm, '').replace(/[^0-9a-fA-F\n]/g, ' ');
  for (const run of hexOnly.replace(/ (?=[0-9a-fA-F])/g, '').match(/[0-9a-fA-F]{16,}/g) ?? []) {
    for (let skip = 0; skip < 2; skip++)
      readings.push([`hex ${run.slice(0, 20)}…`, Buffer.from(run.slice(skip), 'hex').toString('latin1')]);
  }
  for (const [how, t] of readings) {
    const w = found(t);
    if (w) return `${how}: ${w}`;
  }
  return undefined;
}

function run(command: string): Step {
  return { toolCalls: [{ name: 'run_command', arguments: { command, reason: 'show it' } }] };
}

describe('aios chat: no request to the model carries the provider key or the web secret', () => {
  it('whatever the model asks commands and tools to print', async () => {
    const { env } = dirs;
    const home = env.HOME!;
    // Where aios keeps its data by default; inside the home, which is the working tree here.
    const dataDir = path.join(home, '.local', 'share', 'aios');
    // The web host's secret, where `aios web` keeps it (this chat must redact it though it never serves).
    const secretsDir = path.join(dataDir, 'secrets');
    fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    const webSecret = 'Wq3_Zr8vKt1-Mx6bNc4yHp9dLs2fGj7aTe0uVo5iQk';
    fs.writeFileSync(path.join(secretsDir, 'web-secret'), `${webSecret}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'web.json'), JSON.stringify({ address: '127.4.5.6', port: 41999 }), { mode: 0o600 });
    // The person also keeps the key in a start-up file: the commands can read it there.
    fs.writeFileSync(path.join(home, '.bashrc'), `# mine\nexport AIOS_TEST_PROVIDER_KEY=${KEY}\n`);
    fs.writeFileSync(
      path.join(env.AIOS_CONFIG_DIR!, 'config.toml'),
      [
        '[ai]',
        `base_url = ${JSON.stringify(server.baseUrl)}`,
        'model = "scripted"',
        'api_key_env = "AIOS_TEST_PROVIDER_KEY"',
        'request_timeout_s = 10',
        'approval_timeout_s = 120',
        'max_tool_rounds = 40',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(env.AIOS_CONFIG_DIR!, 'mcp.json'),
      JSON.stringify({ mcpServers: { notes: { command: TSX, args: [FAKE_MCP], env: { FAKE_WRITE_TOOLS: '1' } } } }),
    );
    const bashrc = path.join(home, '.bashrc');
    const web = path.join(secretsDir, 'web-secret');
    const aiosPidFile = path.join(dataDir, 'aios.pid');
    const steps: Step[] = [
      run('env'),
      // aios's own environ, by its pid (written below once it runs: a command's $PPID is its namespace's first process, not aios).
      run(`tr '\\0' '\\n' < /proc/$(cat ${aiosPidFile})/environ`),
      run("for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done 2>/dev/null | grep -a AIOS_TEST_PROVIDER_KEY | sort -u"),
      run("grep -a -h -o 'sk-proj-[A-Za-z0-9]*' /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | sort -u"),
      run(`cat ${bashrc}`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | fold -w1`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | sed 's/./& /g'`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | cut -c1-14`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | cut -c20-34`),
      run(`base64 ${bashrc}`),
      run(`tail -c +3 ${bashrc} | base64 -w0`),
      run(`tail -c +5 ${bashrc} | basenc --base64url`),
      run(`xxd ${bashrc}`),
      run(`xxd -p ${bashrc}`),
      run(`od -c ${bashrc}`),
      run(`rev ${bashrc}`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | fold -w1 | while read c; do printf %s "$c"; sleep 0.02; done`),
      run(`grep -o 'sk-[^ ]*' ${bashrc} | cut -c12- | fold -w1 | while read c; do printf %s "$c"; sleep 0.02; done`),
      run(`cat ${web} ${path.join(dataDir, 'web.json')}`),
      run(`base64 ${web}; xxd -p ${web}; fold -w1 ${web}`),
      run(`grep -r -a -h -o 'sk-proj-[A-Za-z0-9]*' ${env.AIOS_CONFIG_DIR} ${home} ${dataDir} 2>/dev/null`),
      { toolCalls: [{ name: 'notes__peek', arguments: { path: bashrc } }] },
      { toolCalls: [{ name: 'notes__peek', arguments: { path: web } }] },
      { toolCalls: [{ name: 'notes__peek', arguments: { path: '/proc/self/environ' } }] },
    ];
    server.push(...steps);
    server.setResponder(() => ({ text: 'All seen.' }));
    chat = startChat(chatEnv(env, { AIOS_TEST_PROVIDER_KEY: KEY }), home, [], { oneProcess: true });
    const c = chat;
    await c.waitFor(PROMPT, 0, 30_000);
    fs.writeFileSync(aiosPidFile, String(c.pid));
    const m = c.mark();
    c.type('print the secrets every way you can\r');
    let at = m;
    for (;;) {
      at = await c.waitFor(new RegExp(`${ASKS.source}|All seen\\.[\\s\\S]*\\[aios\\] > $`), at, 60_000);
      if (!ASKS.test(c.text())) break;
      c.type('y\r');
    }
    // Every step ran and its result went back to the model.
    const bodies = server.requests.map((r) => r.body);
    expect(bodies.length).toBe(steps.length + 1);
    const results = bodies[bodies.length - 1]!.messages.filter((x) => x.role === 'tool').map((x) => x.content ?? '');
    expect(results.length).toBe(steps.length);
    if (process.env.LEAK_DEBUG) fs.writeFileSync(process.env.LEAK_DEBUG, results.join('\n=====\n'));
    expect(results[0]).toContain('PATH=');
    // The key was there to print (in the start-up file and the web secret file), and was cut out each time.
    expect(results.filter((r) => r.includes('[redacted]')).length).toBeGreaterThanOrEqual(14);
    // aios's own environment no longer has it, and no process the chat started does either.
    expect(results[1]).toContain('HOME=');
    expect(results[1]).not.toContain('AIOS_TEST_PROVIDER_KEY');
    expect(fs.readFileSync(`/proc/${c.pid}/environ`, 'latin1')).not.toContain(KEY);

    for (const [i, body] of bodies.entries()) {
      const text = JSON.stringify(body);
      for (const [name, secret] of [
        ['provider key', KEY],
        ['web secret', webSecret],
      ] as const) {
        const contents = body.messages.map(
          (x) => `${x.content ?? ''}\n${(x.tool_calls ?? []).map((t) => t.function.arguments).join('\n')}`,
        );
        expect(text.includes(secret), `request ${i} has the ${name}`).toBe(false);
        for (const content of contents) expect(leaks(content, secret), `request ${i}, ${name}`).toBeUndefined();
      }
    }
    expect(leaks(c.text(), KEY)).toBeUndefined();
    c.type('/quit\r');
    await c.exited;
    chat = undefined;
    const memory = path.join(env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db');
    const stored = ['', '-wal'].map((s) => (fs.existsSync(memory + s) ? fs.readFileSync(memory + s).toString('latin1') : '')).join('');
    expect(stored).toContain('fold -w1');
    expect(stored).not.toContain(KEY);
    expect(stored).not.toContain(webSecret);
  }, 180_000);
});
