import { describe, expect, it } from 'vitest';
import { toBridgeError, bridgeErrorMessage } from '../../src/shared/bridge-error';
import { BridgeError, callNames, calls, eventNames, events, isCallName, isEventName } from '../../src/shared/contract';
import { callChannel, eventChannel } from '../../src/shared/ipc';
import { ClientMessageSchema, ServerMessageSchema } from '../../src/shared/wire';

describe('bridge contract', () => {
  it('names the first calls and events of the skeleton', () => {
    expect(callNames).toEqual(
      expect.arrayContaining(['app.info', 'terminal.open', 'terminal.write', 'terminal.resize', 'terminal.ack', 'terminal.close']),
    );
    expect(eventNames).toEqual(expect.arrayContaining(['terminal.data', 'terminal.exit']));
  });

  it('derives a distinct IPC channel for every call and event', () => {
    const channels = [...callNames.map(callChannel), ...eventNames.map(eventChannel)];
    expect(new Set(channels).size).toBe(channels.length);
  });

  it('recognises only its own names, not inherited properties', () => {
    expect(isCallName('app.info')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
    expect(isEventName('terminal.data')).toBe(true);
    expect(isEventName('constructor')).toBe(false);
  });

  it.each([
    ['terminal.open', { cols: 80, rows: 24 }, true],
    ['terminal.open', { cols: 80, rows: 24, attach: true }, true],
    ['terminal.open', { cols: 0, rows: 24 }, false],
    ['terminal.open', { cols: 80.5, rows: 24 }, false],
    ['terminal.open', { cols: 80, rows: 24, shell: '/bin/evil' }, false],
    ['terminal.write', { id: 't1', data: 'ls\r' }, true],
    ['terminal.write', { id: '../t1', data: 'x' }, false],
    ['terminal.write', { id: 't1', data: 'x'.repeat(64 * 1024 + 1) }, false],
    ['terminal.ack', { id: 't1', chars: 5000 }, true],
    ['terminal.ack', { id: 't1', chars: -1 }, false],
    ['terminal.resize', { id: 't1', cols: 100, rows: 30 }, true],
    ['terminal.close', { id: 't1' }, true],
    ['app.info', {}, true],
    ['app.info', { extra: 1 }, false],
  ] as const)('%s accepts %j: %s', (name, payload, ok) => {
    expect(calls[name].request.safeParse(payload).success).toBe(ok);
  });

  it('validates events and responses too', () => {
    expect(events['terminal.exit'].safeParse({ id: 't1', exitCode: 0 }).success).toBe(true);
    expect(events['terminal.exit'].safeParse({ id: 't1' }).success).toBe(false);
    expect(calls['terminal.open'].response.safeParse({ id: 't1', shell: '/bin/bash', pid: 1, replay: '', attached: false }).success).toBe(
      true,
    );
  });

  it('carries an error code through a plain message and back', () => {
    const err = toBridgeError(new Error(bridgeErrorMessage('forbidden', 'not the UI')));
    expect(err).toBeInstanceOf(BridgeError);
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('not the UI');
    // Electron prefixes messages of errors crossing the bridge; the code still survives.
    expect(toBridgeError(new Error('Error invoking remote method: Error: [not_found] no terminal')).code).toBe('not_found');
    expect(toBridgeError(new Error('plain failure')).code).toBe('internal');
  });
});

describe('wire format', () => {
  it('accepts a call frame and rejects extra or missing fields', () => {
    expect(ClientMessageSchema.safeParse({ type: 'call', id: 1, name: 'app.info', payload: {} }).success).toBe(true);
    expect(ClientMessageSchema.safeParse({ type: 'call', id: 1, name: 'app.info', payload: {}, admin: true }).success).toBe(false);
    expect(ClientMessageSchema.safeParse({ type: 'call', name: 'app.info' }).success).toBe(false);
  });

  it('describes results and events', () => {
    expect(ServerMessageSchema.safeParse({ type: 'result', id: 3, ok: true, value: null }).success).toBe(true);
    expect(
      ServerMessageSchema.safeParse({ type: 'result', id: null, ok: false, error: { code: 'invalid_request', message: 'x' } }).success,
    ).toBe(true);
    expect(ServerMessageSchema.safeParse({ type: 'event', name: 'terminal.data', payload: { id: 't1', data: 'x' } }).success).toBe(true);
  });
});
