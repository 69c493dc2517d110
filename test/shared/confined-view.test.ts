import { describe, expect, it } from 'vitest';
import { confinedViewNote } from '../../src/shared/confined-view';

describe('confinedViewNote', () => {
  it.each([
    ['df -h', /tmpfs mounts/],
    ['LC_ALL=C /bin/df -h /', /tmpfs mounts/],
    ['ls | grep x; ps aux', /own processes/],
    ['findmnt -n', /tmpfs mounts/],
    ['ss -tlnp', /no network/],
  ])('%s is a confined view', (command, note) => {
    expect(confinedViewNote(command)).toMatch(note);
  });

  it.each(['ls -la', 'cat /etc/os-release', 'echo df', 'dfx', 'grep ps notes.txt'])('%s shows what it would show anywhere', (command) => {
    expect(confinedViewNote(command)).toBeUndefined();
  });
});
