/**
 * run_command's arguments are read without the schema when they come as
 * they nearly always do: whatever the model sends, the answer is the
 * schema's (the value it gives, or its error).
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, parseRunCommandArgs, RunCommandArgs } from '../../src/core/agent/tools';

const SENT = [
  '{"command":"ls -la","reason":"look"}',
  '{"command":"rm x","reason":"","unconfined":true}',
  '{"reason":"r","command":"x","unconfined":false}',
  ' {"command":"printf ok","reason":"bench"} ',
  '{"command":"","reason":"empty command"}',
  '{"command":"ls"}',
  '{"reason":"no command"}',
  '{"command":"ls","reason":"r","extra":1}',
  '{"command":"ls","reason":"r","unconfined":"yes"}',
  '{"command":"ls","reason":"r","unconfined":null}',
  '{"command":"ls","reason":"r","__proto__":{"unconfined":true}}',
  '{"command":"ls","reason":"r","constructor":1}',
  '{"command":1,"reason":"r"}',
  '{"command":["ls"],"reason":"r"}',
  '{"command":"ls","reason":null}',
  '["ls"]',
  'null',
  '"ls"',
  '42',
  '',
  '   ',
  '{}',
  '{"command":"ls",',
  'not json',
];

describe('run_command arguments', () => {
  it.each(SENT)('reads %j as the schema does', (raw) => {
    expect(parseRunCommandArgs(raw)).toStrictEqual(parseArgs(RunCommandArgs, raw));
  });

  it('gives the unconfined key only when it was sent', () => {
    expect(parseRunCommandArgs('{"command":"ls","reason":"r"}')).toEqual({ ok: true, value: { command: 'ls', reason: 'r' } });
    const v = parseRunCommandArgs('{"command":"ls","reason":"r"}');
    expect(v.ok && Object.keys(v.value)).toEqual(['command', 'reason']);
  });
});
