import fs from 'node:fs';
import path from 'node:path';
import { ulid } from 'ulid';
import { BridgeError } from '../../shared/contract';

/**
 * Text too long to send as a message (a log, a big paste) goes into a file
 * the model can read with commands (`head`, `grep`, `sed -n`), so nothing the
 * person pasted is lost or refused.
 */
export function saveAttachment(dir: string, text: string): { path: string; lines: number; bytes: number } {
  const file = path.join(dir, `${ulid()}.txt`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new BridgeError('unavailable', `cannot save the attachment in ${dir} (${(err as Error).message})`);
  }
  const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return { path: file, lines, bytes: Buffer.byteLength(text) };
}
