import type { PermissionsConfig, ProfileConfig } from './schema';

/**
 * The defaults of the original aios configuration, plus the same rules for
 * Debian's apt and dpkg. `cfg/config.toml` ships the same values (a test
 * keeps the two in step); they apply when the person has no config.toml yet.
 */
export const DEFAULT_PERMISSIONS: PermissionsConfig = {
  auto_allow: [
    'pacman -Q*', 'pacman -Ss*', 'systemctl status*', 'ls', 'cat', 'grep', 'find', 'ps', 'top', 'htop', 'df', 'free', 'uname',
    'apt list*', 'apt search*', 'apt show*', 'apt policy*', 'apt-cache search*', 'apt-cache show*', 'apt-cache policy*',
    'dpkg -l *', 'dpkg -s *', 'dpkg -L *', 'dpkg -S *', 'dpkg-query *',
  ],
  notify: [
    'pacman -S*', 'pacman -Sy*', 'git clone*', 'cargo install*', 'systemctl start*', 'systemctl enable*',
    'apt install*', 'apt update*', 'apt upgrade*', 'apt full-upgrade*', 'apt-get install*', 'apt-get update*', 'apt-get upgrade*', 'apt-get dist-upgrade*', 'dpkg -i *',
  ],
  require_approval: [
    'pacman -R*', 'rm -rf*', 'systemctl stop*', 'systemctl disable*', 'dd*',
    'apt remove*', 'apt purge*', 'apt autoremove*', 'apt-get remove*', 'apt-get purge*', 'apt-get autoremove*', 'dpkg -r *', 'dpkg -P *',
  ],
  deny: ['rm -rf /', 'rm -rf /*', 'mkfs*', ':(){ :|:& };:'],
};

/** Shipped profiles, selected by hostname: `aios-prod` asks before installs and service changes. */
export const DEFAULT_PROFILES: Record<string, ProfileConfig> = {
  'aios-prod': {
    permissions: {
      require_approval: [
        'pacman -S*', 'apt install*', 'apt upgrade*', 'apt full-upgrade*', 'apt-get install*', 'apt-get upgrade*', 'apt-get dist-upgrade*', 'dpkg -i *',
        'systemctl start*', 'systemctl enable*', 'systemctl restart*', 'git clone*', 'cargo install*',
      ],
    },
  },
};
