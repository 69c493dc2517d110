import type { PermissionsConfig } from './schema';

/**
 * The defaults of the original aios configuration. `cfg/config.toml` ships
 * the same values (a test keeps the two in step); they apply when the person
 * has no config.toml yet.
 */
export const DEFAULT_PERMISSIONS: PermissionsConfig = {
  auto_allow: ['pacman -Q*', 'pacman -Ss*', 'systemctl status*', 'ls', 'cat', 'grep', 'find', 'ps', 'top', 'htop', 'df', 'free', 'uname'],
  notify: ['pacman -S*', 'pacman -Sy*', 'git clone*', 'cargo install*', 'systemctl start*', 'systemctl enable*'],
  require_approval: ['pacman -R*', 'rm -rf*', 'systemctl stop*', 'systemctl disable*', 'dd*'],
  deny: ['rm -rf /', 'rm -rf /*', 'mkfs*', ':(){ :|:& };:'],
};
