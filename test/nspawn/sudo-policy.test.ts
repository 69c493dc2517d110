import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/core/policy';
import { CTX, shippedEngine } from '../support/policy';

/**
 * In the aios machine the kiosk user runs privileged commands through
 * password-less sudo (nspawn/etc/sudoers). The shipped rules must judge
 * `sudo X` as they judge `X` (never more lenient than notify: a command run
 * as root is always shown), on a plain machine and on aios-prod.
 */
const ORDER: Decision[] = ['auto_allow', 'notify', 'require_approval', 'deny'];
const atLeastNotify = (d: Decision): Decision => (ORDER.indexOf(d) < ORDER.indexOf('notify') ? 'notify' : d);

const commands = [
  'pacman -S rust rust-analyzer neovim',
  'pacman -S --noconfirm rust',
  'pacman -Syu --noconfirm',
  'pacman -Qi rust',
  'pacman -R neovim',
  'apt-get install -y ./hello.deb',
  'apt-get install -y rustc',
  'apt-get update',
  'apt-get remove -y hello',
  'dpkg -i ./hello.deb',
  'dpkg -s hello',
  'systemctl start nginx',
  'systemctl stop nginx',
  'rm -rf /',
];

describe.each(['aios-dev', 'aios-prod'])('shipped rules on %s: sudo X is judged as X', (hostname) => {
  it.each(commands)('sudo %s', async (command) => {
    const engine = await shippedEngine({ hostname });
    const plain = engine.decide(command, CTX).decision;
    expect(engine.decide(`sudo ${command}`, CTX).decision).toBe(atLeastNotify(plain));
  });
});

describe('the install the machine test runs', () => {
  it('a package from the distribution notifies on aios-dev and asks on aios-prod; a local .deb asks on both', async () => {
    const dev = await shippedEngine({ hostname: 'aios-dev' });
    const prod = await shippedEngine({ hostname: 'aios-prod' });
    expect(dev.decide('sudo apt-get install -y hello', CTX).decision).toBe('notify');
    expect(prod.decide('sudo apt-get install -y hello', CTX).decision).toBe('require_approval');
    expect(dev.decide('sudo apt-get install -y ./hello.deb', CTX).decision).toBe('require_approval');
    expect(prod.decide('sudo apt-get install -y ./hello.deb', CTX).decision).toBe('require_approval');
    expect(dev.decide('sudo pacman -S --noconfirm rust', CTX).decision).toBe('notify');
    expect(prod.decide('sudo pacman -S --noconfirm rust', CTX).decision).toBe('require_approval');
  });
});
