import fs from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { writeConfig, type Lists } from '../agent/harness';
import { chatWorld } from './chat-world';

const lists: Lists = { auto_allow: ['printf*'] };
// Each test writes its own config.toml.
const world = chatWorld({ ai: false });
const configFile = () => world.configFile;
const open = () => world.start();

describe('aios chat: /setup, config problems, /exit', () => {
  it('/setup asks for server, key variable and model, tests the server, saves, and the next message is answered', async () => {
    writeConfig(world.dirs.env, {}, lists);
    const file = configFile();
    fs.writeFileSync(file, `# my notes stay\n${fs.readFileSync(file, 'utf8')}`);
    const c = await open();
    let m = c.mark();
    c.type('/setup\r');
    await c.waitFor(/server base URL \(empty: OpenAI\): $/, m);
    c.type(`${world.server.baseUrl}\r`);
    await c.waitFor(/key variable \[OPENAI_API_KEY\]: $/, m);
    c.type('\r');
    await c.waitFor(/connected: 1 model \(scripted\)[\s\S]*model \[scripted\]: $/, m);
    c.type('\r');
    await c.waitFor(/saved to .*config\.toml: the chat now uses scripted @ [\s\S]*\[aios\] > $/, m);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('# my notes stay\n')).toBe(true);
    expect((parse(text) as { ai: Record<string, string> }).ai).toMatchObject({
      base_url: world.server.baseUrl,
      model: 'scripted',
      api_key_env: 'OPENAI_API_KEY',
    });
    world.server.push({ text: 'now I can answer' });
    m = c.mark();
    c.type('hello\r');
    await c.waitFor(/now I can answer[\s\S]*\[aios\] > $/, m);
  });

  it('Ctrl-C stops /setup and writes nothing', async () => {
    writeConfig(world.dirs.env, {}, lists);
    const file = configFile();
    const before = fs.readFileSync(file, 'utf8');
    const c = await open();
    const m = c.mark();
    c.type('/setup\r');
    await c.waitFor(/server base URL/, m);
    c.type('\x03');
    await c.waitFor(/setup stopped; nothing was written[\s\S]*\[aios\] > $/, m);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('a malformed config.toml is reported once with file:line:col and the safe policy, not as a missing provider', async () => {
    writeConfig(world.dirs.env, {}, lists);
    const file = configFile();
    fs.writeFileSync(file, '[ai]\nbase_url = "http://127.0.0.1:11434/v1\n');
    const c = await open();
    const t = c.text();
    expect(t).toContain(`${file}:2:`);
    expect(t).toContain('the safe policy is in force');
    expect(t.split(`${file}:2:`).length - 1).toBe(1);
    expect(t).not.toMatch(/No AI provider is configured/);
  });

  it('/exit leaves with status 0, like Ctrl-D', async () => {
    writeConfig(world.dirs.env, { base_url: world.server.baseUrl, model: 'scripted' }, lists);
    const c = await open();
    c.type('/exit\r');
    expect(await c.exited).toBe(0);
    expect(c.text()).not.toMatch(/ERR_USE_AFTER_CLOSE/);
  });
});
