import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretSet } from '../../src/core/environment';
import { CommandLog } from '../../src/core/memory';
import { makeTempDir, type TempDir } from '../support/temp';

const KEY = 'sk-proj-Hist0ryCanary9Lx2Mv7Qw4Rt1Zy8';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('aios-history-redact-');
});
afterEach(() => tmp.cleanup());

describe('command history keeps no known secret', () => {
  it('redacts the command, its output and its record (a preview, a reason) before they reach the shared file', () => {
    const secrets = new SecretSet();
    secrets.add(KEY);
    const file = tmp.join('memory.db');
    const history = new CommandLog(file, (t) => secrets.redact(t));
    history.record({
      command: `!export OPENAI_API_KEY=${KEY}`,
      decision: 'auto_allow',
      outputExcerpt: [...KEY].join('\n'),
      record: { preview: `would add ./${KEY.slice(0, 14)}.txt`, reason: Buffer.from(KEY).toString('base64') },
    });
    const [row] = history.query({ limit: 5 });
    history.close();
    expect(row?.command).toBe('!export OPENAI_API_KEY=[redacted]');
    expect(row?.outputExcerpt).toBe('[redacted]');
    const bytes = ['', '-wal'].map((s) => (fs.existsSync(file + s) ? fs.readFileSync(file + s).toString('latin1') : '')).join('');
    expect(bytes).toContain('[redacted]');
    for (const piece of [KEY, KEY.slice(0, 14), Buffer.from(KEY).toString('base64').slice(4, 30), KEY.slice(8, 20)])
      expect(bytes).not.toContain(piece);
  });
});
