import path from 'node:path';
import picomatch from 'picomatch';

/**
 * Places whose change would let the AI loosen its own leash or take over the
 * person's account: aios's config and memory, shell start-up files, keys,
 * git hooks, user units, autostart. A write into any of them needs approval
 * whatever the rules say and wherever the working tree is, and the confined
 * quiet path keeps them read-only even inside the working tree.
 *
 * Lexical only (no filesystem access), like the rest of the policy.
 */

export interface ProtectedPathContext {
  /** The home directory; without it the per-user entries are left out. */
  home?: string;
  /** aios's config dir (`~/.config/syui/ai` or `$AIOS_CONFIG_DIR`). */
  configDir?: string;
  /** The folder that holds the memory database. */
  memoryDir?: string;
  /** More absolute paths from the config (`[permissions] protected_paths`). */
  extra?: readonly string[];
  /** aios's own files wherever they are (the config.toml in use, mcp.json). */
  ownFiles?: readonly string[];
  /**
   * aios's own folders wherever they are: its data (secrets, logs) and its cache, whose compiled code and
   * validated config aios loads at its next start (a write there is a write into aios itself).
   */
  ownTrees?: readonly string[];
}

export interface ProtectedPath {
  /** Absolute and normalised. */
  path: string;
  /** `tree`: the path and everything under it; `file`: the path itself. */
  kind: 'tree' | 'file';
  why: string;
}

/**
 * THE list of files in the home directory that another program later runs,
 * sources or reads a program name from: shells' rc and login files (bash,
 * zsh, fish, csh/tcsh, ksh, sh's $ENV), editors' and terminal multiplexers'
 * start-up files, X and Wayland session files, autostart and desktop
 * entries, and tool configurations that name programs (git, npm, cargo,
 * docker, ssh, procps' top, less, gdb, …). The jail keeps them read-only on
 * the quiet path; the policy asks before any way of writing them.
 */
const HOME_FILES: ReadonlyArray<[string, string]> = [
  ['.bashrc', 'a shell start-up file'],
  ['.bash_profile', 'a shell start-up file'],
  ['.bash_login', 'a shell start-up file'],
  ['.bash_logout', 'a shell start-up file'],
  ['.profile', 'a shell start-up file'],
  ['.zshrc', 'a shell start-up file'],
  ['.zshenv', 'a shell start-up file'],
  ['.zprofile', 'a shell start-up file'],
  ['.zlogin', 'a shell start-up file'],
  ['.zlogout', 'a shell start-up file'],
  ['.inputrc', 'a shell start-up file'],
  ['.pam_environment', 'the session environment'],
  ['.xprofile', 'a session start-up file'],
  ['.xinitrc', 'a session start-up file'],
  ['.xsession', 'a session start-up file'],
  ['.gitconfig', "git's configuration (it can name programs git runs)"],
  ['.bash_aliases', 'a shell start-up file'],
  ['.cshrc', 'a shell start-up file'],
  ['.tcshrc', 'a shell start-up file'],
  ['.login', 'a shell start-up file'],
  ['.logout', 'a shell start-up file'],
  ['.kshrc', 'a shell start-up file'],
  ['.mkshrc', 'a shell start-up file'],
  ['.shrc', 'a shell start-up file'],
  ['.yashrc', 'a shell start-up file'],
  ['.envrc', "direnv's start-up file"],
  ['.vimrc', "an editor's start-up file (it can run commands)"],
  ['.gvimrc', "an editor's start-up file (it can run commands)"],
  ['.exrc', "an editor's start-up file (it can run commands)"],
  ['.nanorc', "an editor's start-up file (it names programs)"],
  ['.emacs', "an editor's start-up file (it can run commands)"],
  ['.emacs.el', "an editor's start-up file (it can run commands)"],
  ['.tmux.conf', "tmux's start-up file (it can run commands)"],
  ['.screenrc', "screen's start-up file (it can run commands)"],
  ['.xsessionrc', 'a session start-up file'],
  ['.xserverrc', 'a session start-up file'],
  ['.xinputrc', 'a session start-up file'],
  ['.Xclients', 'a session start-up file'],
  ['.Xresources', 'X resources (they can name programs terminals run)'],
  ['.Xdefaults', 'X resources (they can name programs terminals run)'],
  ['.xbindkeysrc', 'key bindings that run programs'],
  ['.dmrc', 'the session the display manager starts'],
  ['.selected_editor', 'the program sensible-editor runs'],
  ['.mailcap', 'the programs that open each file type'],
  ['.npmrc', "npm's configuration (script-shell, node-options name programs)"],
  ['.yarnrc', "yarn's configuration (it names programs)"],
  ['.yarnrc.yml', "yarn's configuration (it names programs)"],
  ['.cargo/config', "cargo's configuration (build.rustc-wrapper, runners name programs)"],
  ['.cargo/config.toml', "cargo's configuration (build.rustc-wrapper, runners name programs)"],
  ['.docker/config.json', "docker's configuration (credential helpers are programs)"],
  ['.toprc', "procps' top configuration (it names programs)"],
  ['.gdbinit', "gdb's start-up file (it runs commands)"],
  ['.lldbinit', "lldb's start-up file (it runs commands)"],
  ['.hgrc', "Mercurial's configuration (hooks run commands)"],
  ['.curlrc', "curl's defaults (they can write files)"],
  ['.wgetrc', "wget's defaults (they can write files)"],
  ['.lesskey', "less's key bindings (they can run commands)"],
  ['.lessfilter', 'a filter less runs on every file'],
  ['.psqlrc', "psql's start-up file (it can run commands)"],
  ['.sqliterc', "sqlite3's start-up file (it can run commands)"],
  ['.irbrc', "irb's start-up file (Ruby code)"],
  ['.pryrc', "pry's start-up file (Ruby code)"],
  ['.Rprofile', "R's start-up file (R code)"],
  ['.perldb', "the Perl debugger's start-up file (Perl code)"],
  ['.my.cnf', "MySQL's client configuration (it names a pager)"],
  ['.config/mimeapps.list', 'the programs that open each file type'],
  ['.local/share/applications/mimeapps.list', 'the programs that open each file type'],
  ['.config/starship.toml', 'prompt configuration (it runs commands)'],
  ['.config/weston.ini', 'a session configuration (it starts programs)'],
  ['.config/wayfire.ini', 'a session configuration (it starts programs)'],
];

const HOME_TREES: ReadonlyArray<[string, string]> = [
  // The shared aios/aigpt folder in its usual place, also when $AIOS_CONFIG_DIR or $XDG_CONFIG_HOME points elsewhere.
  ['.config/syui/ai', "aios's and aigpt's configuration and memory"],
  // aios's data and cache in their usual places, also when $XDG_DATA_HOME, $XDG_CACHE_HOME or $AIOS_DATA_DIR point elsewhere.
  ['.local/share/aios', "aios's own data (its secrets and logs)"],
  ['.cache/aios', "aios's own cache (code and settings it loads when it starts)"],
  ['.ssh', 'SSH keys and authorized_keys'],
  ['.gnupg', 'GnuPG keys'],
  ['.config/fish', 'a shell start-up file'],
  ['.config/git', "git's configuration (it can name programs git runs)"],
  ['.config/systemd/user', 'systemd user units'],
  ['.local/share/systemd/user', 'systemd user units'],
  ['.config/environment.d', 'the environment of user services'],
  ['.config/autostart', 'autostart entries'],
  ['.local/bin', 'programs found on PATH before the system ones'],
  // Debian's ~/.profile puts ~/bin on PATH when it exists.
  ['bin', 'programs found on PATH before the system ones'],
  ['.cargo/bin', 'programs found on PATH (rustup adds it)'],
  ['.bashrc.d', 'shell start-up files'],
  ['.config/zsh', 'shell start-up files'],
  ['.oh-my-zsh', 'shell start-up files'],
  ['.config/nvim', "an editor's start-up files"],
  ['.vim', "an editor's plugins (they run when it starts)"],
  ['.config/vim', "an editor's start-up files"],
  ['.emacs.d', "an editor's start-up files"],
  ['.config/emacs', "an editor's start-up files"],
  ['.config/nano', "an editor's start-up files"],
  ['.config/tmux', "tmux's start-up files"],
  ['.tmux', "tmux's plugins"],
  ['.byobu', "byobu's start-up files"],
  ['.config/procps', "procps' top configuration (it names programs)"],
  ['.config/direnv', "direnv's start-up files"],
  ['.local/share/applications', 'desktop entries (the programs menus and file types start)'],
  ['.local/share/dbus-1', 'D-Bus services (programs started on demand)'],
  ['.config/dconf', 'desktop settings (custom shortcuts run programs)'],
  ['.config/openbox', 'a session configuration (it starts programs)'],
  ['.config/i3', 'a session configuration (it starts programs)'],
  ['.config/sway', 'a session configuration (it starts programs)'],
  ['.config/hypr', 'a session configuration (it starts programs)'],
  ['.config/labwc', 'a session configuration (it starts programs)'],
  ['.config/lxsession', 'a session configuration (it starts programs)'],
  ['.config/xfce4', 'a session configuration (it starts programs)'],
  ['.config/plasma-workspace', 'session scripts (sourced at login)'],
  ['.kde/Autostart', 'autostart entries'],
  ['.config/containers', 'container configuration (hooks run programs)'],
  ['.config/hg', "Mercurial's configuration (hooks run commands)"],
  ['.config/ranger', 'file manager configuration (it names programs)'],
  ['.config/mc', 'file manager configuration (it names programs)'],
  ['.config/alacritty', 'terminal configuration (it names the shell)'],
  ['.config/kitty', 'terminal configuration (it names the shell)'],
  ['.config/foot', 'terminal configuration (it names the shell)'],
  ['.config/Code/User', 'editor settings (they name programs)'],
  ['.config/npm', "npm's configuration"],
];

/**
 * The machine's own places of the same kind: who may log in and become root,
 * what starts at boot or login, what every program loads. A transaction's
 * effect rules ask before a write lands in them (a command line naming them
 * already needs approval).
 */
const SYSTEM: ReadonlyArray<[string, ProtectedPath['kind'], string]> = [
  ['/etc/sudoers', 'file', "sudo's rules"],
  ['/etc/sudoers.d', 'tree', "sudo's rules"],
  ['/etc/pam.d', 'tree', 'PAM (how logins and sudo are checked)'],
  ['/etc/security', 'tree', 'PAM (how logins and sudo are checked)'],
  ['/etc/passwd', 'file', 'the accounts'],
  ['/etc/shadow', 'file', "the accounts' passwords"],
  ['/etc/group', 'file', 'the groups (sudo membership)'],
  ['/etc/gshadow', 'file', 'the groups (sudo membership)'],
  ['/etc/systemd', 'tree', 'systemd units and settings (what starts at boot)'],
  ['/usr/lib/systemd', 'tree', 'systemd units (what starts at boot)'],
  ['/lib/systemd', 'tree', 'systemd units (what starts at boot)'],
  ['/etc/init.d', 'tree', 'start-up scripts'],
  ['/etc/rc.local', 'file', 'a start-up script'],
  ['/etc/cron.hourly', 'tree', 'crontabs'],
  ['/etc/cron.daily', 'tree', 'crontabs'],
  ['/etc/cron.weekly', 'tree', 'crontabs'],
  ['/etc/cron.monthly', 'tree', 'crontabs'],
  ['/etc/profile', 'file', 'a shell start-up file'],
  ['/etc/profile.d', 'tree', 'shell start-up files'],
  ['/etc/bash.bashrc', 'file', 'a shell start-up file'],
  ['/etc/environment', 'file', 'the session environment'],
  ['/etc/ld.so.preload', 'file', 'libraries loaded into every program'],
  ['/etc/ld.so.conf', 'file', 'where every program finds its libraries'],
  ['/etc/ld.so.conf.d', 'tree', 'where every program finds its libraries'],
  ['/etc/ssh', 'tree', "the SSH server's configuration"],
  ['/root/.ssh', 'tree', "root's SSH keys and authorized_keys"],
];

/** Anywhere in the tree: a repository's hooks and config run code on the next git command. */
const ANYWHERE: ReadonlyArray<[string[], ProtectedPath['kind'], string]> = [
  [['.git', 'hooks'], 'tree', 'git hooks'],
  [['.git', 'config'], 'file', "a repository's git config (it can name programs git runs)"],
];

function norm(p: string): string {
  return path.posix.resolve('/', p);
}

/** Decisions ask often with few different contexts: the lists (and an index by path) are built once per context. */
interface Indexed {
  list: ProtectedPath[];
  /** Entry by its path (the first one listed wins, as in the list). */
  byPath: Map<string, ProtectedPath>;
  /** Every folder above an entry → the first entry below it. */
  above: Map<string, ProtectedPath>;
  /** An entry is `/` itself (`protected_paths = ["/"]`). */
  root?: ProtectedPath;
}
const cache = new Map<string, Indexed>();
const CACHE_MAX = 64;

function cachedIndex(ctx: ProtectedPathContext): Indexed {
  const key = [
    ctx.home ?? '',
    ctx.configDir ?? '',
    ctx.memoryDir ?? '',
    (ctx.extra ?? []).join('\0'),
    (ctx.ownFiles ?? []).join('\0'),
    (ctx.ownTrees ?? []).join('\0'),
  ].join('\n');
  let ix = cache.get(key);
  if (!ix) {
    if (cache.size >= CACHE_MAX) cache.clear();
    const list = protectedPaths(ctx);
    const byPath = new Map<string, ProtectedPath>();
    const above = new Map<string, ProtectedPath>();
    let root: ProtectedPath | undefined;
    for (const e of list) {
      if (e.path === '/') root ??= e;
      if (!byPath.has(e.path)) byPath.set(e.path, e);
      for (let d = path.posix.dirname(e.path); ; d = path.posix.dirname(d)) {
        if (!above.has(d)) above.set(d, e);
        if (d === '/') break;
      }
    }
    ix = { list, byPath, above, ...(root ? { root } : {}) };
    cache.set(key, ix);
  }
  return ix;
}

function cached(ctx: ProtectedPathContext): ProtectedPath[] {
  return cachedIndex(ctx).list;
}

/** `protectedPaths(ctx)`, worked out once per context (by its contents): shared, do not change it. */
export function knownProtectedPaths(ctx: ProtectedPathContext): readonly ProtectedPath[] {
  return cached(ctx);
}

/** Every protected place for this context (the anywhere-entries are matched by `protectedReason`). */
export function protectedPaths(ctx: ProtectedPathContext): ProtectedPath[] {
  const out: ProtectedPath[] = [];
  if (ctx.configDir) out.push({ path: norm(ctx.configDir), kind: 'tree', why: "aios's own configuration" });
  if (ctx.memoryDir) out.push({ path: norm(ctx.memoryDir), kind: 'tree', why: 'the shared memory' });
  if (ctx.home) {
    const home = norm(ctx.home);
    for (const [rel, why] of HOME_FILES) out.push({ path: path.posix.join(home, rel), kind: 'file', why });
    for (const [rel, why] of HOME_TREES) out.push({ path: path.posix.join(home, rel), kind: 'tree', why });
  }
  out.push({ path: '/var/spool/cron', kind: 'tree', why: 'crontabs' });
  out.push({ path: '/etc/crontab', kind: 'file', why: 'crontabs' });
  out.push({ path: '/etc/cron.d', kind: 'tree', why: 'crontabs' });
  out.push({ path: '/etc/xdg/autostart', kind: 'tree', why: 'autostart entries' });
  for (const [p, kind, why] of SYSTEM) out.push({ path: p, kind, why });
  for (const p of ctx.ownFiles ?? []) if (p.startsWith('/')) out.push({ path: norm(p), kind: 'file', why: "aios's own configuration" });
  for (const p of ctx.ownTrees ?? []) if (p.startsWith('/')) out.push({ path: norm(p), kind: 'tree', why: "aios's own data or cache" });
  // Root's undo records (their pre-images are written back as root by /undo) and anything else aios keeps as root.
  out.push({ path: '/var/lib/aios', kind: 'tree', why: "aios's undo records (written back as root by /undo)" });
  for (const p of ctx.extra ?? [])
    if (p.startsWith('/')) out.push({ path: norm(p), kind: 'tree', why: 'listed in [permissions] protected_paths' });
  return out;
}

function covers(entry: ProtectedPath, target: string): boolean {
  if (target === entry.path) return true;
  // A tree covers what is under it; a file also covers a same-named folder's contents (`.bashrc.d` is not it).
  return entry.kind === 'tree' && (entry.path === '/' || target.startsWith(`${entry.path}/`));
}

/**
 * Why writing `target` (absolute) needs approval, or undefined when it is not
 * protected. A write to a folder that contains a protected place is caught
 * too (`rm -rf ~/.config` removes aios's config).
 */
export function protectedReason(target: string, ctx: ProtectedPathContext, opts: { containing?: boolean } = {}): string | undefined {
  const t = norm(target);
  const ix = cachedIndex(ctx);
  // The nearest entry at or above the target that covers it (a file entry covers only itself).
  let hit: ProtectedPath | undefined = ix.root;
  for (let d = t; ; d = path.posix.dirname(d)) {
    const e = ix.byPath.get(d);
    if (e && covers(e, t)) hit = e;
    if (d === '/') break;
  }
  if (hit) return `${hit.path} is ${hit.why}`;
  if (opts.containing) {
    const below = ix.above.get(t);
    if (below) return `${t} contains ${below.path}, ${below.why}`;
  }
  const parts = t.split('/').filter(Boolean);
  for (const [seq, kind, why] of ANYWHERE) {
    for (let i = 0; i + seq.length <= parts.length; i++) {
      if (!seq.every((s, k) => parts[i + k] === s)) continue;
      if (kind === 'file' && i + seq.length !== parts.length) continue;
      return `${t} is ${why}`;
    }
    // `.git` itself (or a folder holding it) being replaced carries its hooks with it.
    if (opts.containing && parts[parts.length - 1] === seq[0]) return `${t} holds ${why}`;
  }
  return undefined;
}

/**
 * Why a glob (absolute, unexpanded: `/home/me/.*`) may name a protected
 * place, or undefined. Bash's own rules: `*` does not match a leading dot.
 */
export function protectedGlobReason(glob: string, ctx: ProtectedPathContext): string | undefined {
  const g = glob.startsWith('/') ? glob : `/${glob}`;
  const meta = g.search(/[*?[]/);
  if (meta < 0) return protectedReason(g, ctx, { containing: true });
  const staticDir = g.slice(0, Math.max(1, g.lastIndexOf('/', meta)));
  const inside = protectedReason(staticDir, ctx);
  if (inside) return inside;
  if (staticDir.split('/').includes('.git')) return `${g} is inside a repository's .git folder (hooks, config)`;
  const isMatch = picomatch(g, { dot: false, noextglob: true, nobrace: true });
  for (const entry of cached(ctx)) {
    for (let p = entry.path; p.length > staticDir.length && p.startsWith(`${staticDir}/`); p = path.posix.dirname(p)) {
      if (isMatch(p)) return `${g} may match ${p}${p === entry.path ? '' : `, which holds ${entry.path}`}: ${entry.why}`;
    }
  }
  if (g.split('/').some((seg) => /[*?[]/.test(seg) && picomatch(seg, { dot: false, noextglob: true })('.git')))
    return `${g} may match a repository's .git folder (hooks, config)`;
  return undefined;
}
