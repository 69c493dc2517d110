import type { PermissionsConfig, ProfileConfig } from './schema';

/**
 * MCP tools are named `mcp__<server>__<tool>` in the lists (globs allowed in
 * both parts). The memory tools (aios's built-ins, served as `aios`, and
 * aigpt's) read without asking and write with a notice.
 */
const MEMORY_READS = [
  'mcp__aios__search_memories',
  'mcp__aios__recall_history',
  'mcp__aigpt__get_*',
  'mcp__aigpt__list_*',
  'mcp__aigpt__search_*',
  'mcp__aigpt__recall_history',
];
const MEMORY_WRITES = [
  'mcp__aios__create_ai_memory',
  'mcp__aigpt__create_*',
  'mcp__aigpt__update_*',
  'mcp__aigpt__delete_*',
  'mcp__aigpt__save_*',
];

/**
 * The defaults of the original aios configuration, plus the same rules for
 * Debian's apt and dpkg. `cfg/config.toml` ships the same values (a test
 * keeps the two in step); they apply when the person has no config.toml yet.
 */
export const DEFAULT_PERMISSIONS: PermissionsConfig = {
  auto_allow: [
    'pacman -Q*',
    'pacman -Ss*',
    'systemctl status*',
    'ls',
    'cat',
    'grep',
    'find',
    'ps',
    'top',
    'htop',
    'df',
    'free',
    'uname',
    'apt list*',
    'apt search*',
    'apt show*',
    'apt policy*',
    'apt-cache search*',
    'apt-cache show*',
    'apt-cache policy*',
    'dpkg -l *',
    'dpkg -s *',
    'dpkg -L *',
    'dpkg -S *',
    'dpkg-query *',
    ...MEMORY_READS,
  ],
  notify: [
    'pacman -S*',
    'pacman -Sy*',
    'git clone*',
    'cargo install*',
    'systemctl start*',
    'systemctl enable*',
    'apt install*',
    'apt update*',
    'apt upgrade*',
    'apt full-upgrade*',
    'apt-get install*',
    'apt-get update*',
    'apt-get upgrade*',
    'apt-get dist-upgrade*',
    'dpkg -i *',
    ...MEMORY_WRITES,
  ],
  require_approval: [
    'pacman -R*',
    'rm -rf*',
    'systemctl stop*',
    'systemctl disable*',
    'dd*',
    'apt remove*',
    'apt purge*',
    'apt autoremove*',
    'apt-get remove*',
    'apt-get purge*',
    'apt-get autoremove*',
    'dpkg -r *',
    'dpkg -P *',
  ],
  deny: ['rm -rf /', 'rm -rf /*', 'mkfs*', ':(){ :|:& };:'],
};

/** Shipped profiles, selected by hostname: `aios-prod` asks before installs and service changes. */
export const DEFAULT_PROFILES: Record<string, ProfileConfig> = {
  'aios-prod': {
    permissions: {
      require_approval: [
        'pacman -S*',
        'apt install*',
        'apt upgrade*',
        'apt full-upgrade*',
        'apt-get install*',
        'apt-get upgrade*',
        'apt-get dist-upgrade*',
        'dpkg -i *',
        'systemctl start*',
        'systemctl enable*',
        'systemctl restart*',
        'git clone*',
        'cargo install*',
      ],
      // Production asks about everything no rule names, rather than running it confined.
      unknown: 'ask',
    },
  },
};
