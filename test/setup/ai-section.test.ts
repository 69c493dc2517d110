import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { ConfigEditError, withAiSettings } from '../../src/core/setup/ai-section';
import { parseConfigText } from '../../src/core/config/load';

const SHIPPED = fs.readFileSync(path.join(__dirname, '..', '..', 'cfg', 'config.toml'), 'utf8');
const FILE = '/x/config.toml';

function ai(text: string): Record<string, unknown> {
  return ((parse(text) as Record<string, unknown>).ai ?? {}) as Record<string, unknown>;
}

describe('withAiSettings: [ai] written into a config.toml as text', () => {
  it('fills the shipped template and keeps every comment and every other line', () => {
    const next = withAiSettings(
      SHIPPED,
      { base_url: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b', api_key_env: 'OPENAI_API_KEY' },
      FILE,
    );
    expect(ai(next)).toEqual({ base_url: 'http://127.0.0.1:11434/v1', model: 'qwen2.5:7b', api_key_env: 'OPENAI_API_KEY' });
    // Nothing was removed: every line of the template is still there, in order.
    const kept = next.split('\n');
    let at = 0;
    for (const line of SHIPPED.split('\n')) {
      at = kept.indexOf(line, at);
      expect(at, `line lost: ${line}`).toBeGreaterThanOrEqual(0);
    }
    // The real key sits under its commented example.
    expect(next).toMatch(/# base_url = .*\nbase_url = "http:\/\/127\.0\.0\.1:11434\/v1"\n/);
    // The policy part of the file is untouched and still valid.
    expect(parseConfigText(next, FILE).problems).toEqual([]);
  });

  it('replaces keys where they are written and removes base_url when none is given', () => {
    const text =
      '# mine\n[general]\nname = "box"\n\n[ai] # my provider\nbase_url = "http://old/v1"  # old one\nmodel = "old"\nrequest_timeout_s = 30\n\n[permissions]\nauto_allow = ["ls"]\n';
    const next = withAiSettings(text, { model: 'gpt-4o-mini', api_key_env: 'OPENAI_API_KEY' }, FILE);
    expect(ai(next)).toEqual({ model: 'gpt-4o-mini', api_key_env: 'OPENAI_API_KEY', request_timeout_s: 30 });
    expect(next).toContain('# mine\n[general]\nname = "box"\n\n[ai] # my provider\n');
    expect(next).toContain('[permissions]\nauto_allow = ["ls"]\n');
  });

  it('adds an [ai] table at the end of a file that has none, and writes an empty file from nothing', () => {
    const next = withAiSettings('[general]\nname = "aios"\n', { base_url: 'http://h:1/v1', model: 'm', api_key_env: 'X_API_KEY' }, FILE);
    expect(next).toBe('[general]\nname = "aios"\n\n[ai]\nbase_url = "http://h:1/v1"\nmodel = "m"\napi_key_env = "X_API_KEY"\n');
    expect(ai(withAiSettings('', { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE))).toEqual({
      model: 'm',
      api_key_env: 'OPENAI_API_KEY',
    });
  });

  it('quotes values so that no value can add a key or a table', () => {
    const evil = 'm"\n[permissions]\nauto_allow = ["*"]\n#';
    const next = withAiSettings('[ai]\n', { model: evil, api_key_env: 'OPENAI_API_KEY' }, FILE);
    expect(ai(next).model).toBe(evil);
    expect((parse(next) as Record<string, unknown>).permissions).toBeUndefined();
  });

  it('keeps CRLF line ends and ignores [ai] inside a multi-line string', () => {
    const text = '[general]\r\nname = """\r\n[ai]\r\n"""\r\n';
    const next = withAiSettings(text, { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE);
    expect(next.endsWith('[ai]\r\nmodel = "m"\r\napi_key_env = "OPENAI_API_KEY"\r\n')).toBe(true);
    expect((parse(next) as { general: { name: string } }).general.name).toBe('[ai]\r\n');
  });

  it('refuses, naming the file, a file that is not TOML or writes ai as an inline table', () => {
    expect(() => withAiSettings('[ai\nmodel = "x"\n', { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE)).toThrow(ConfigEditError);
    expect(() => withAiSettings('[ai\nmodel = "x"\n', { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE)).toThrow(
      /\/x\/config\.toml is not valid TOML/,
    );
    expect(() => withAiSettings('ai = { model = "x" }\n', { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE)).toThrow(/inline table/);
  });

  it('edits a file whose other sections the schema rejects, leaving them for the person to fix', () => {
    const text = '[permissions]\nauto_allow = ["ls"]\nrequre_approval = ["rm*"]\n';
    const next = withAiSettings(text, { model: 'm', api_key_env: 'OPENAI_API_KEY' }, FILE);
    expect(next.startsWith(text)).toBe(true);
    expect(parseConfigText(next, FILE).problems.map((p) => p.key)).toEqual(['permissions.requre_approval']);
  });
});

describe('TOML errors in plain words', () => {
  it('names a missing closing quote as such, with the line and the parser words kept', () => {
    const [p] = parseConfigText('[ai]\nmodel = "qwen\n', FILE).problems;
    expect(p).toMatchObject({ file: FILE, line: 2 });
    expect(p?.message).toMatch(/^a string has no closing quote \(" or '\) \[TOML: /);
    expect(p?.message).not.toMatch(/Invalid TOML document/);
  });

  it('explains a bare word where a string belongs, and a key written twice', () => {
    expect(parseConfigText('[ai]\nmodel = qwen\n', FILE).problems[0]?.message).toMatch(/^this value is not valid: text needs quotes/);
    expect(parseConfigText('[ai]\nmodel = "a"\nmodel = "b"\n', FILE).problems[0]?.message).toMatch(/^this key or table is written twice/);
  });
});
