import path from 'node:path';
import type { AiosPaths, Env } from '../config/paths';

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
  /**
   * aios's own secret files wherever they are (the web host's signing
   * secret, the provider key's credential): `aiosOwnSecrets()` lists them. A
   * bare path is one file.
   */
  ownSecrets?: ReadonlyArray<string | OwnSecret>;
}

export interface OwnSecret {
  path: string;
  kind: SecretFile['kind'];
}

/** The folder of aios's own secrets in its data dir (0700): the web host's signing secret lives here. */
export function ownSecretsDir(paths: Pick<AiosPaths, 'dataDir'>): string {
  return path.join(paths.dataDir, 'secrets');
}

/**
 * Every file of aios's own that holds a secret, for this install and
 * environment: its secrets folder, the web host's state file (which held
 * the secret before it moved), and the systemd credentials folder the
 * provider key may come from. The jail masks them; the policy asks before
 * a command reads them.
 */
export function aiosOwnSecrets(paths: Pick<AiosPaths, 'dataDir'>, env: Env): OwnSecret[] {
  const out: OwnSecret[] = [
    { path: ownSecretsDir(paths), kind: 'tree' },
    { path: path.join(paths.dataDir, 'web.json'), kind: 'file' },
  ];
  if (env.CREDENTIALS_DIRECTORY?.startsWith('/')) out.push({ path: env.CREDENTIALS_DIRECTORY, kind: 'tree' });
  return out;
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
  ['.config/hub', 'file', "hub's GitHub token"],
  ['.config/rclone/rclone.conf', 'file', "rclone's cloud credentials"],
  ['.s3cfg', 'file', 'S3 credentials'],
  ['.boto', 'file', 'cloud storage credentials'],
  ['.terraform.d/credentials.tfrc.json', 'file', 'Terraform Cloud tokens'],
  ['.config/op', 'tree', '1Password CLI sessions'],
  ['.vault-token', 'file', 'a HashiCorp Vault token'],
  ['.config/Signal', 'tree', 'Signal messages and keys'],
  ['.thunderbird', 'tree', 'mail profiles (saved passwords)'],
  ['.config/BraveSoftware', 'tree', 'browser profiles (cookies, saved passwords)'],
  ['.bash_history', 'file', 'shell history (typed passwords and tokens)'],
  ['.zsh_history', 'file', 'shell history (typed passwords and tokens)'],
  ['.local/share/fish/fish_history', 'file', 'shell history (typed passwords and tokens)'],
  ['.python_history', 'file', 'interpreter history'],
  ['.mysql_history', 'file', 'database history (typed passwords)'],
  ['.psql_history', 'file', 'database history (typed passwords)'],
];

// Not /etc/sudoers: it says who may become root, which is no secret, and masking it would break `sudo` in the preview.
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
  ['/root/.gnupg', 'tree', "root's GnuPG keys"],
  ['/root/.aws', 'tree', "root's AWS credentials"],
  ['/root/.docker/config.json', 'file', "root's Docker registry credentials"],
  ['/root/.netrc', 'file', "root's network logins"],
  ['/root/.git-credentials', 'file', "root's stored git credentials"],
  ['/root/.bash_history', 'file', "root's shell history"],
  ['/etc/security/opasswd', 'file', 'old password hashes'],
  ['/etc/ssh/ssh_host_dsa_key', 'file', "the machine's SSH host key"],
  ['/etc/NetworkManager/system-connections', 'tree', 'Wi-Fi and VPN passwords'],
  ['/etc/wpa_supplicant', 'tree', 'Wi-Fi passwords'],
  ['/var/lib/iwd', 'tree', 'Wi-Fi passwords'],
  ['/var/lib/systemd/credential.secret', 'file', "systemd's credential key"],
  ['/etc/krb5.keytab', 'file', 'Kerberos keys'],
];

/** `/proc/PID/environ` (every process's environment, aios's own included), its memory and command line. */
const PROC_SECRET = /^\/proc\/(?:[^/]+)(?:\/task\/[^/]+)?\/(environ|mem|cmdline)$/;
const PROC_WHY: Readonly<Record<string, string>> = {
  environ: "a process's environment (API keys, tokens)",
  mem: "a process's memory",
  cmdline: "a process's command line (passwords given as arguments)",
};
/**
 * Raw memory and raw disks: reading one reads every secret at once (a disk
 * holds /etc/shadow's blocks, memory holds keys), and passwordless sudo makes
 * them readable. The policy asks; the jail needs no mask (its /dev and /proc
 * are its own).
 */
const RAW_SECRET =
  /^\/(?:proc\/kcore|dev\/(?:mem|kmem|(?:sd|hd|vd|xvd)[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|mmcblk\d+(?:p\d+)?|dm-\d+|md\d+|loop\d+|mapper\/[^/]+|disk\/by-[^/]+\/[^/]+))$/;
/** Sample paths a glob over /proc or /dev is tried against. */
export const PROC_SECRET_SAMPLES = [
  '/proc/1/environ',
  '/proc/self/environ',
  '/proc/1/mem',
  '/proc/1/cmdline',
  '/proc/1/task/1/environ',
  '/proc/kcore',
  '/dev/mem',
  '/dev/sda',
  '/dev/sda1',
  '/dev/vda',
  '/dev/nvme0n1',
  '/dev/nvme0n1p1',
  '/dev/mmcblk0',
  '/dev/dm-0',
  '/dev/mapper/root',
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
  for (const own of ctx.ownSecrets ?? []) {
    const { path: p, kind } = typeof own === 'string' ? { path: own, kind: 'file' as const } : own;
    if (p.startsWith('/')) out.push({ path: norm(p), kind, why: "aios's own secret" });
  }
  return out;
}

/**
 * Why reading `target` (absolute) exposes a secret, or undefined. Reading a
 * folder that holds one (`grep -r x ~`) is caught with `containing`.
 */
export function secretReason(target: string, ctx: SecretFileContext, opts: { containing?: boolean } = {}): string | undefined {
  const t = norm(target);
  const proc = PROC_SECRET.exec(t);
  if (proc && !/^\/proc\/(sys|net|fs|irq|bus|driver|tty)\//.test(t)) return `${t} is ${PROC_WHY[proc[1] as string]}`;
  if (RAW_SECRET.test(t))
    return `${t} is ${t.startsWith('/dev/') && !/^\/dev\/k?mem$/.test(t) ? 'a raw disk (every file on it, /etc/shadow included)' : 'raw memory (keys and passwords in use)'}`;
  if (
    opts.containing &&
    (t === '/proc' || /^\/proc\/[^/]+(\/task(\/[^/]+)?)?$/.test(t)) &&
    !/^\/proc\/(sys|net|fs|irq|bus|driver|tty)$/.test(t)
  ) {
    return `${t} contains /proc/…/environ, ${PROC_WHY.environ}`;
  }
  for (const entry of secretFiles(ctx)) {
    if (t === entry.path || (entry.kind === 'tree' && t.startsWith(`${entry.path}/`))) return `${entry.path} holds ${entry.why}`;
    if (opts.containing && (t === '/' || entry.path.startsWith(`${t}/`))) return `${t} contains ${entry.path}, which holds ${entry.why}`;
  }
  return undefined;
}
