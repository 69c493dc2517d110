import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownerIsDead, ownerTag } from '../../src/core/memory/write-ahead';

function state(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe('the writer of a running row', () => {
  it('is alive while its process runs, dead once it is gone or a zombie nobody reaps', async () => {
    // `sleep 0` exits at once; its parent becomes `sleep 30`, which never waits: a zombie, as a killed aios under a non-reaping init is.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      for (let i = 0; i < 200 && state(zombie) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(state(zombie)).toBe('Z');
      expect(ownerIsDead(ownerTag(zombie))).toBe(true);
      expect(ownerIsDead(ownerTag(parent.pid!))).toBe(false);
      expect(ownerIsDead(ownerTag(process.pid))).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
    await new Promise((r) => parent.once('exit', r));
    expect(ownerIsDead(ownerTag(parent.pid!))).toBe(true);
  });
});
