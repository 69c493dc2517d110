import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/shared/policy';
import { CTX, engineFromToml } from '../support/policy';

/** The pattern language, rule by rule, each with a config of its own. */

async function decisions(permissions: Partial<Record<Decision, string[]>>, lines: string[]): Promise<Record<string, Decision>> {
  // These tests are about matching: only the lists given, without the shipped floor.
  const toml = `[permissions]\nreplace_shipped = true\n${Object.entries(permissions)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join('\n')}\n`;
  const { engine } = await engineFromToml(toml);
  expect(engine.problems).toEqual([]);
  return Object.fromEntries(lines.map((l) => [l, engine.decide(l, CTX).decision]));
}

describe('flags', () => {
  it('match the same flags in any order and spelling', async () => {
    const d = await decisions({ deny: ['rm -rf /'] }, [
      'rm -fr /',
      'rm -r -f /',
      'rm --recursive --force /',
      'rm -R -f /',
      'rm --force -r /',
      'rm -r /',
    ]);
    expect(d).toEqual({
      'rm -fr /': 'deny',
      'rm -r -f /': 'deny',
      'rm --recursive --force /': 'deny',
      'rm -R -f /': 'deny',
      'rm --force -r /': 'deny',
      'rm -r /': 'require_approval',
    });
  });

  it('in a pattern may be spelled long too', async () => {
    const d = await decisions({ deny: ['rm --recursive --force /'] }, ['rm -rf /', 'rm -f /']);
    expect(d).toEqual({ 'rm -rf /': 'deny', 'rm -f /': 'require_approval' });
  });

  it('of a subcommand use its table (git push -f is --force)', async () => {
    const d = await decisions({ require_approval: ['git push --force'], auto_allow: ['git push*'] }, [
      'git push -f origin main',
      'git push origin main --force',
      'git push origin main',
    ]);
    expect(d).toEqual({
      'git push -f origin main': 'require_approval',
      'git push origin main --force': 'require_approval',
      'git push origin main': 'auto_allow',
    });
  });

  it('of unknown programs compare as written, clusters split', async () => {
    const d = await decisions({ deny: ['frob -xy'] }, ['frob -yx', 'frob -x -y', 'frob --xy', 'frob -x']);
    expect(d).toEqual({ 'frob -yx': 'deny', 'frob -x -y': 'deny', 'frob --xy': 'require_approval', 'frob -x': 'require_approval' });
  });
});

describe('deny, require_approval and notify cannot be escaped by adding words', () => {
  it('extra flags and arguments, anywhere', async () => {
    const d = await decisions({ deny: ['rm -rf /'] }, [
      'rm -rfv /',
      'rm -rf /tmp/x / /var/y',
      'rm -rf --one-file-system /',
      'rm -rf /home/me/build',
    ]);
    expect(d).toEqual({
      'rm -rfv /': 'deny',
      'rm -rf /tmp/x / /var/y': 'deny',
      'rm -rf --one-file-system /': 'deny',
      'rm -rf /home/me/build': 'require_approval',
    });
  });

  it('arguments in any order (dd of= before if=)', async () => {
    const d = await decisions({ deny: ['dd if=/dev/zero of=/dev/sda'] }, [
      'dd of=/dev/sda if=/dev/zero bs=1M',
      'dd if=/dev/zero of=disk.img',
    ]);
    expect(d).toEqual({ 'dd of=/dev/sda if=/dev/zero bs=1M': 'deny', 'dd if=/dev/zero of=disk.img': 'require_approval' });
  });

  it('paths compare after resolving against the working directory', async () => {
    const d = await decisions({ deny: ['rm -rf ./secrets', 'rm -rf /'] }, [
      'rm -rf secrets',
      'rm -rf /home/me/project/secrets/',
      'rm -rf ../project/secrets',
      'rm -rf ../../..',
      'rm -rf secrets2',
    ]);
    expect(d).toEqual({
      'rm -rf secrets': 'deny',
      'rm -rf /home/me/project/secrets/': 'deny',
      'rm -rf ../project/secrets': 'deny',
      'rm -rf ../../..': 'deny',
      'rm -rf secrets2': 'require_approval',
    });
  });

  it('~ in a pattern is the home directory', async () => {
    const d = await decisions({ deny: ['rm -rf ~'] }, ['rm -rf ~', 'rm -rf ~/', 'rm -rf /home/me', 'rm -rf ~/tmp']);
    expect(d).toEqual({ 'rm -rf ~': 'deny', 'rm -rf ~/': 'deny', 'rm -rf /home/me': 'deny', 'rm -rf ~/tmp': 'require_approval' });
  });
});

describe('auto_allow is exact unless it says *', () => {
  it('a closed pattern allows only itself', async () => {
    const d = await decisions({ auto_allow: ['git status'] }, ['git status', 'git status -s', 'git status x', 'git  status', 'git']);
    expect(d).toEqual({
      'git status': 'auto_allow',
      'git status -s': 'require_approval',
      'git status x': 'require_approval',
      'git  status': 'auto_allow',
      git: 'require_approval',
    });
  });

  it('* as the last word allows any further arguments', async () => {
    const d = await decisions({ auto_allow: ['git status *', 'git log *'] }, [
      'git status',
      'git status -s',
      'git log --oneline -5',
      'git push',
    ]);
    expect(d).toEqual({
      'git status': 'auto_allow',
      'git status -s': 'auto_allow',
      'git log --oneline -5': 'auto_allow',
      'git push': 'require_approval',
    });
  });

  it('a trailing * on a word matches any suffix of it, and further arguments', async () => {
    const d = await decisions({ auto_allow: ['systemctl status*', 'pacman -Q*'] }, [
      'systemctl status',
      'systemctl status nginx',
      'systemctl statusx',
      'systemctl stop x',
      'pacman -Qi rust',
      'pacman -Q',
      'pacman -S x',
    ]);
    expect(d).toEqual({
      'systemctl status': 'auto_allow',
      'systemctl status nginx': 'auto_allow',
      'systemctl statusx': 'auto_allow',
      'systemctl stop x': 'require_approval',
      'pacman -Qi rust': 'auto_allow',
      'pacman -Q': 'auto_allow',
      'pacman -S x': 'require_approval',
    });
  });

  it('a bare program allows any arguments that do not make it dangerous', async () => {
    const d = await decisions({ auto_allow: ['find', 'cat'] }, [
      'find . -name x',
      'find / -type f -newer y',
      'find . -delete',
      'find . -exec rm {} ;',
      'cat a b c',
      'cat $(ls)',
      'cat x > /etc/y',
    ]);
    expect(d).toEqual({
      'find . -name x': 'auto_allow',
      'find / -type f -newer y': 'auto_allow',
      'find . -delete': 'require_approval',
      'find . -exec rm {} ;': 'require_approval',
      'cat a b c': 'auto_allow',
      'cat $(ls)': 'require_approval',
      'cat x > /etc/y': 'require_approval',
    });
  });

  it('a variable that might be an option only passes a bare program', async () => {
    const d = await decisions({ auto_allow: ['ls', 'git log *'] }, ['ls "$DIR"', 'git log $ARGS']);
    expect(d).toEqual({ 'ls "$DIR"': 'auto_allow', 'git log $ARGS': 'require_approval' });
  });
});

describe('wildcards', () => {
  it('* in a path word stays within one component, like the shell glob', async () => {
    const d = await decisions({ deny: ['rm -rf /*'] }, [
      'rm -rf /*',
      'rm -rf /etc',
      'rm -rf /etc/',
      'rm -rf /e*',
      'rm -rf /home/me/build',
      'rm -rf /tmp/x',
    ]);
    expect(d).toEqual({
      'rm -rf /*': 'deny',
      'rm -rf /etc': 'deny',
      'rm -rf /etc/': 'deny',
      'rm -rf /e*': 'deny',
      'rm -rf /home/me/build': 'require_approval',
      'rm -rf /tmp/x': 'require_approval',
    });
  });

  it('* in the program word matches program names', async () => {
    const d = await decisions({ deny: ['mkfs*'] }, ['mkfs.ext4 /dev/sda1', '/sbin/mkfs -t xfs /dev/sdb', 'mkfs', 'mk']);
    expect(d).toEqual({ 'mkfs.ext4 /dev/sda1': 'deny', '/sbin/mkfs -t xfs /dev/sdb': 'deny', mkfs: 'deny', mk: 'require_approval' });
  });

  it('a quoted * is a literal star', async () => {
    const d = await decisions({ deny: ["rm '*'"] }, ["rm '*'", 'rm x', 'rm \\*']);
    expect(d).toEqual({ "rm '*'": 'deny', 'rm x': 'require_approval', 'rm \\*': 'deny' });
  });

  it('a run-time word matches only a * that covers every value', async () => {
    const d = await decisions({ deny: ['shred build*', 'chmod 777 /*'], auto_allow: ['ls /tmp/*'] }, [
      'shred "build$X"',
      'shred "$X"',
      'shred build$X',
      'chmod 777 /$X',
      'ls "/tmp/$X"',
    ]);
    expect(d).toEqual({
      // "build$X" is one word starting with build: every value matches build*.
      'shred "build$X"': 'deny',
      'shred "$X"': 'require_approval',
      // Unquoted, $X may split into several words or none.
      'shred build$X': 'require_approval',
      // The run-time part may contain a /, which a path * does not cross.
      'chmod 777 /$X': 'require_approval',
      'ls "/tmp/$X"': 'require_approval',
    });
  });

  it('* as the last word also covers no words and run-time words', async () => {
    const d = await decisions({ deny: ['rm -rf *'] }, ['rm -rf', 'rm -rf $X', 'rm -r x']);
    expect(d).toEqual({ 'rm -rf': 'deny', 'rm -rf $X': 'deny', 'rm -r x': 'require_approval' });
  });
});

describe('compound patterns', () => {
  it('the fork bomb matches however it is spaced, quoted or named', async () => {
    const d = await decisions({ deny: [':(){ :|:& };:'] }, [
      ':(){ :|:& };:',
      ':(){ :|: & };:',
      ':  ( )  {  :  |  :  &  }  ;  :',
      'f(){ f|f& };f',
      ':(){ \':\'|":"& };:',
      ':(){ :|:; };:',
      'f(){ g|g& };f',
    ]);
    expect(d).toEqual({
      ':(){ :|:& };:': 'deny',
      ':(){ :|: & };:': 'deny',
      ':  ( )  {  :  |  :  &  }  ;  :': 'deny',
      'f(){ f|f& };f': 'deny',
      ':(){ \':\'|":"& };:': 'deny',
      ':(){ :|:; };:': 'require_approval',
      'f(){ g|g& };f': 'require_approval',
    });
  });

  it('a list pattern matches when every part is in the line', async () => {
    const d = await decisions({ deny: ['curl * | sh'] }, ['curl -s x | sh', 'curl x; sh', 'curl x | bash', 'wget x | sh']);
    expect(d).toEqual({
      'curl -s x | sh': 'deny',
      'curl x; sh': 'deny',
      'curl x | bash': 'require_approval',
      'wget x | sh': 'require_approval',
    });
  });
});

describe('wrapper readings', () => {
  it('a rule on the wrapper itself applies to what it wraps', async () => {
    const d = await decisions({ auto_allow: ['ls', 'sudo*'], require_approval: ['sudo *'] }, ['sudo ls', 'ls']);
    expect(d).toEqual({ 'sudo ls': 'require_approval', ls: 'auto_allow' });
  });

  it('an allowed wrapper does not allow what it runs', async () => {
    const d = await decisions({ auto_allow: ['nice*', 'timeout*'] }, ['nice -n 5 unknown-tool', 'timeout 5 rm x']);
    expect(d).toEqual({ 'nice -n 5 unknown-tool': 'require_approval', 'timeout 5 rm x': 'require_approval' });
  });
});
