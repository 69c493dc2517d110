import path from 'node:path';

/**
 * Files whose contents are secrets: what a command prints goes to the model
 * provider, a third party, so reading them needs approval (the policy) and
 * every jail masks them (the jail). One list, in one place, for both.
 *
 * Lexical only (no filesystem access): callers match paths against it.
 */

export interface SecretFileContext {
  /** The home directory; without it the per-user entries are left out. */
  home?: string;
  /** aios's own secret files wherever they are (the web host's signing secret, a provider key file). */
  ownSecrets?: readonly string[];
}

export interface SecretFile {
  /** Absolute and normalised. */
  path: string;
  /** `tree`: the path and everything under it; `file`: the path itself. */
  kind: 'tree' | 'file';
  why: string;
}

const HOME_SECRETS: ReadonlyArray<[string, SecretFile['kind'], string]> = [
  ['.ssh', 'tree', 'SSH private keys'],
  ['.gnupg', 'tree', 'GnuPG private keys'],
  ['.aws', 'tree', 'AWS credentials'],
  ['.azure', 'tree', 'Azure credentials'],
  ['.config/gcloud', 'tree', 'Google Cloud credentials'],
  ['.kube', 'tree', 'Kubernetes credentials'],
  ['.docker/config.json', 'file', "Docker's registry credentials"],
  ['.netrc', 'file', 'network logins (.netrc)'],
  ['.git-credentials', 'file', "git's stored credentials"],
  ['.config/gh', 'tree', "GitHub CLI's tokens"],
  ['.npmrc', 'file', "npm's registry tokens"],
  ['.pypirc', 'file', 'PyPI upload tokens'],
  ['.cargo/credentials.toml', 'file', "cargo's registry tokens"],
  ['.cargo/credentials', 'file', "cargo's registry tokens"],
  ['.password-store', 'tree', 'pass password store'],
  ['.local/share/keyrings', 'tree', 'the desktop keyring'],
  ['.mozilla', 'tree', 'browser profiles (cookies, saved passwords)'],
  ['.config/chromium', 'tree', 'browser profiles (cookies, saved passwords)'],
  ['.config/google-chrome', 'tree', 'browser profiles (cookies, saved passwords)'],
  ['.pgpass', 'file', 'PostgreSQL passwords'],
  ['.my.cnf', 'file', 'MySQL passwords'],
];

const SYSTEM_SECRETS: ReadonlyArray<[string, SecretFile['kind'], string]> = [
  ['/etc/shadow', 'file', 'password hashes'],
  ['/etc/gshadow', 'file', 'group password hashes'],
  ['/etc/shadow-', 'file', 'password hashes (backup)'],
  ['/etc/gshadow-', 'file', 'group password hashes (backup)'],
  ['/etc/ssh/ssh_host_rsa_key', 'file', "the machine's SSH host key"],
  ['/etc/ssh/ssh_host_ecdsa_key', 'file', "the machine's SSH host key"],
  ['/etc/ssh/ssh_host_ed25519_key', 'file', "the machine's SSH host key"],
  ['/etc/ssl/private', 'tree', 'TLS private keys'],
  ['/root/.ssh', 'tree', "root's SSH keys"],
];

function norm(p: string): string {
  return path.posix.resolve('/', p);
}

/** Every well-known secret file for this context. */
export function secretFiles(ctx: SecretFileContext): SecretFile[] {
  const out: SecretFile[] = [];
  if (ctx.home) {
    const home = norm(ctx.home);
    for (const [rel, kind, why] of HOME_SECRETS) out.push({ path: path.posix.join(home, rel), kind, why });
  }
  for (const [p, kind, why] of SYSTEM_SECRETS) out.push({ path: p, kind, why });
  for (const p of ctx.ownSecrets ?? []) if (p.startsWith('/')) out.push({ path: norm(p), kind: 'file', why: "aios's own secret" });
  return out;
}

/**
 * Why reading `target` (absolute) exposes a secret, or undefined. Reading a
 * folder that holds one (`grep -r x ~`) is caught with `containing`.
 */
export function secretReason(target: string, ctx: SecretFileContext, opts: { containing?: boolean } = {}): string | undefined {
  const t = norm(target);
  for (const entry of secretFiles(ctx)) {
    if (t === entry.path || (entry.kind === 'tree' && t.startsWith(`${entry.path}/`))) return `${entry.path} holds ${entry.why}`;
    if (opts.containing && (t === '/' || entry.path.startsWith(`${t}/`))) return `${t} contains ${entry.path}, which holds ${entry.why}`;
  }
  return undefined;
}
