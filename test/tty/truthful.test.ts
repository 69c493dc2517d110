/**
 * What `aios chat` shows is true and readable, in a real pty: a restored
 * conversation's last answer is drawn as Markdown (no raw `##` or `**`),
 * and `/history` lines its columns up whatever the decision's label.
 */
import { describe, expect, it } from 'vitest';
import { chatWorld } from './chat-world';

const world = chatWorld({
  ai: { request_timeout_s: 10, approval_timeout_s: 60 },
  lists: { auto_allow: ['printf*'], notify: ['echo*'], require_approval: ['touch*'] },
});

describe('aios chat shows the truth, readably', () => {
  it('a restored conversation draws its last answer as Markdown', async () => {
    let chat = await world.start({ cwd: world.dirs.dir });
    world.server.push({ text: '## Disk usage\n\nThe **largest** folder is `/var/log`.' });
    const m = chat.mark();
    chat.type('what uses the disk?\r');
    await chat.waitFor(/largest[\s\S]*\[aios\] > $/, m);
    chat.type('\x04');
    await chat.exited;

    chat = await world.start({ cwd: world.dirs.dir });
    const banner = chat.text();
    expect(banner).toContain('conversation restored');
    expect(banner).toContain('Disk usage');
    expect(banner).toContain('The largest folder is /var/log.');
    expect(banner).not.toContain('##');
    expect(banner).not.toContain('**');
  }, 90_000);

  it('/history columns line up', async () => {
    const chat = await world.start({ cwd: world.dirs.dir });
    for (const [line, done] of [
      ['!printf quiet\r', /exit 0[\s\S]*\[aios\] > $/],
      ['!echo loud\r', /exit 0[\s\S]*\[aios\] > $/],
    ] as const) {
      const m = chat.mark();
      chat.type(line);
      await chat.waitFor(done, m);
    }
    let m = chat.mark();
    chat.type('!touch nope\r');
    await chat.waitFor(/Run it\? \[y\/N\]/, m);
    chat.type('n\r');
    await chat.waitFor(/not run: declined[\s\S]*\[aios\] > $/, m);
    m = chat.mark();
    chat.type('/history\r');
    await chat.waitFor(/touch nope[\s\S]*\[aios\] > $/, m);
    const rows = chat
      .text()
      .slice(m)
      .split('\n')
      .filter((l) => /(printf quiet|echo loud|touch nope)$/.test(l));
    expect(rows).toHaveLength(3);
    const starts = rows.map((r) => r.search(/(printf quiet|echo loud|touch nope)$/));
    expect(new Set(starts).size).toBe(1);
  }, 90_000);
});
