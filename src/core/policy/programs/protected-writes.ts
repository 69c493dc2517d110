import path from 'node:path';
import type { Layer } from '../shell/types';
import type { Arg } from '../shell/words';

/**
 * Writes that matter for protected paths only, beyond the working-tree
 * writes the normaliser finds (redirections, tee, cp, rm, sed -i, dd of=…):
 * programs whose target is implied (`git config` writes `.git/config`,
 * `crontab file` the crontab, `ssh-keygen` `~/.ssh`), moves that remove
 * their sources, links that open a way into a protected file, archives
 * unpacked into a folder. Each is checked against the protected paths only,
 * so it can raise a decision to approval and never changes anything else.
 */
export interface ImpliedWrite {
  arg: Arg;
  what: string;
  /** A link pointing at it: writing through the link writes it. */
  linkTarget?: boolean;
}

function lit(text: string): Arg {
  return { text, dynamic: false, prefix: text, splits: false, glob: false, tilde: false };
}

/** A path under the home directory; unknowable (so approval) when home is not known. */
function inHome(home: string | undefined, rel: string): Arg {
  if (home === undefined) return { ...lit(`~/${rel}`), tilde: true };
  return lit(path.posix.join(home, rel));
}

function joinArg(dir: Arg, rel: string): Arg {
  const text = dir.text === '' ? rel : path.posix.join(dir.text, rel);
  return { ...dir, text, prefix: dir.dynamic ? dir.prefix : text };
}

function words(layer: Layer): Arg[] {
  return layer.args;
}

/** The value of `-x V`, `-xV`, `--long V` or `--long=V` in raw words. */
function optionValue(args: readonly Arg[], short: string | undefined, long: string | undefined): Arg | undefined {
  for (let i = 0; i < args.length; i++) {
    const t = (args[i] as Arg).text;
    if (t === '--') return undefined;
    if ((short && t === `-${short}`) || (long && t === `--${long}`)) return args[i + 1];
    if (long && t.startsWith(`--${long}=`)) {
      const a = args[i] as Arg;
      const cut = long.length + 3;
      return { ...a, text: a.text.slice(cut), prefix: a.prefix.slice(cut) };
    }
    if (short && t.startsWith(`-${short}`) && !t.startsWith('--') && t.length > 2) {
      const a = args[i] as Arg;
      return { ...a, text: a.text.slice(2), prefix: a.prefix.slice(2) };
    }
  }
  return undefined;
}

function has(args: readonly Arg[], ...texts: string[]): boolean {
  return args.some((a) => texts.includes(a.text) || texts.some((t) => t.startsWith('--') && a.text.startsWith(`${t}=`)));
}

/** Short-option letter present in any `-abc` cluster. */
function hasShort(args: readonly Arg[], letter: string): boolean {
  return args.some((a) => /^-[A-Za-z0-9]+$/.test(a.text) && a.text.slice(1).includes(letter));
}

function operands(args: readonly Arg[]): Arg[] {
  const out: Arg[] = [];
  let done = false;
  for (const a of args) {
    if (!done && a.text === '--') done = true;
    else if (done || !a.text.startsWith('-') || a.text === '-') out.push(a);
  }
  return out;
}

function urlBasename(url: string): string | undefined {
  const noQuery = url.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const base = noQuery.slice(noQuery.lastIndexOf('/') + 1);
  return base && base !== noQuery && !base.includes(':') ? base : undefined;
}

const GIT_CONFIG_READS = [
  '--get',
  '--get-all',
  '--get-regexp',
  '--get-urlmatch',
  '--get-color',
  '--get-colorbool',
  '--list',
  '-l',
  'get',
  'list',
  '--show-origin',
  '--show-scope',
];
const SYSTEMCTL_USER_WRITES = new Set([
  'edit',
  'enable',
  'reenable',
  'disable',
  'link',
  'preset',
  'preset-all',
  'mask',
  'unmask',
  'set-property',
  'revert',
  'add-wants',
  'add-requires',
]);
const SSH_KEYGEN_READS = ['-l', '-y', '-F', '-B', '-Q', '-L'];
const GPG_WRITES = [
  '--import',
  '--recv-keys',
  '--receive-keys',
  '--fetch-keys',
  '--gen-key',
  '--generate-key',
  '--full-gen-key',
  '--full-generate-key',
  '--quick-gen-key',
  '--quick-generate-key',
  '--quick-add-key',
  '--quick-add-uid',
  '--delete-key',
  '--delete-keys',
  '--delete-secret-key',
  '--delete-secret-keys',
  '--delete-secret-and-public-key',
  '--edit-key',
  '--sign-key',
  '--lsign-key',
  '--quick-sign-key',
  '--quick-lsign-key',
  '--import-ownertrust',
  '--update-trustdb',
  '--refresh-keys',
];
const EDITORS = new Set(['vi', 'vim', 'nvim', 'view', 'nano', 'pico', 'emacs', 'ed', 'ex', 'micro', 'joe', 'mcedit', 'kak', 'hx']);

type Rule = (layer: Layer, home: string | undefined) => ImpliedWrite[];

const RULES: Readonly<Record<string, Rule>> = {
  // A move removes its sources: `mv ~/.bashrc x` replaces nothing but loses the file.
  mv: (l) => l.parsed.positionals.map((arg) => ({ arg, what: 'mv (source)' })),
  // `ln -s ~/.bashrc notes` gives a writable name inside the tree to a protected file; one operand links into the cwd.
  ln: (l) => {
    const ops = l.parsed.positionals;
    const out: ImpliedWrite[] = ops.slice(0, ops.length > 1 ? -1 : 1).map((arg) => ({ arg, what: 'ln (link to)', linkTarget: true }));
    const only = ops[0];
    if (ops.length === 1 && only && !only.dynamic) out.push({ arg: lit(path.posix.basename(only.text)), what: 'ln' });
    return out;
  },
  git: (l, home) => {
    const sub = l.parsed.positionals[0];
    if (!sub || sub.dynamic) return [];
    const dir = l.parsed.flags.filter((f) => f.name === 'C' && f.value).map((f) => f.value as Arg);
    const cwd = dir.reduce<Arg | undefined>((acc, d) => (acc && !d.text.startsWith('/') ? joinArg(acc, d.text) : d), undefined);
    const at = (rel: string) => (cwd ? joinArg(cwd, rel) : lit(rel));
    const gitDir = l.parsed.flags.find((f) => f.name === '--git-dir' && f.value)?.value;
    if (sub.text === 'config') {
      const args = l.args.slice(l.args.indexOf(sub) + 1);
      if (has(args, ...GIT_CONFIG_READS)) return [];
      const file = optionValue(args, 'f', 'file');
      if (file) return [{ arg: file, what: 'git config --file' }];
      if (has(args, '--global')) return [{ arg: inHome(home, '.gitconfig'), what: 'git config --global' }];
      if (has(args, '--system')) return [{ arg: lit('/etc/gitconfig'), what: 'git config --system' }];
      return [{ arg: gitDir ? joinArg(gitDir, 'config') : at('.git/config'), what: 'git config' }];
    }
    if (sub.text === 'clone') {
      const rest = l.args.slice(l.args.indexOf(sub) + 1);
      const ops = operands(
        rest.filter(
          (a, i) =>
            !/^--(template|separate-git-dir|reference|depth|branch|origin|config|filter|jobs)$|^-[bocj]$/.test(rest[i - 1]?.text ?? ''),
        ),
      );
      const named = ops[1] ?? (ops[0] && !ops[0].dynamic ? lit((urlBasename(ops[0].text) ?? '').replace(/\.git$/, '') || '.') : undefined);
      if (!named) return [];
      const target = cwd && !named.text.startsWith('/') ? joinArg(cwd, named.text) : named;
      const out: ImpliedWrite[] = [{ arg: target, what: 'git clone' }];
      // A template brings its hooks into the new repository (post-checkout runs during the clone).
      if (optionValue(rest, undefined, 'template')) out.push({ arg: joinArg(target, '.git/hooks'), what: 'git clone --template' });
      const separate = optionValue(rest, undefined, 'separate-git-dir');
      if (separate) out.push({ arg: separate, what: 'git clone --separate-git-dir' });
      return out;
    }
    return [];
  },
  // `cargo install --root DIR` puts programs in DIR/bin (`~/.local/bin` is found on PATH first).
  cargo: (l) => {
    const root = l.parsed.positionals[0]?.text === 'install' ? optionValue(l.args, undefined, 'root') : undefined;
    return root ? [{ arg: joinArg(root, 'bin'), what: 'cargo install --root' }] : [];
  },
  // pacman writes into its root, database, cache, log and GnuPG folders, and runs hooks from --hookdir.
  pacman: (l) =>
    (
      [
        ['r', 'root'],
        ['b', 'dbpath'],
        [undefined, 'cachedir'],
        [undefined, 'logfile'],
        [undefined, 'gpgdir'],
        [undefined, 'hookdir'],
        [undefined, 'sysroot'],
      ] as const
    ).flatMap(([short, long]) => {
      const v = optionValue(l.args, short, long);
      return v ? [{ arg: v, what: `pacman --${long}` }] : [];
    }),
  crontab: (l) => (has(l.args, '-l') && !has(l.args, '-r', '-e') ? [] : [{ arg: lit('/var/spool/cron'), what: 'crontab' }]),
  systemctl: (l, home) => {
    if (!has(l.args, '--user')) return [];
    const verb = operands(l.args)[0];
    return verb && (verb.dynamic || SYSTEMCTL_USER_WRITES.has(verb.text))
      ? [{ arg: inHome(home, '.config/systemd/user'), what: `systemctl --user ${verb.text}` }]
      : [];
  },
  'ssh-keygen': (l, home) => {
    if (has(l.args, ...SSH_KEYGEN_READS)) return [];
    const file = optionValue(l.args, 'f', undefined);
    return file
      ? [
          { arg: file, what: 'ssh-keygen -f' },
          { arg: { ...file, text: `${file.text}.pub` }, what: 'ssh-keygen -f' },
        ]
      : [{ arg: inHome(home, '.ssh'), what: 'ssh-keygen' }];
  },
  gpg: (l, home) => {
    if (!has(l.args, ...GPG_WRITES)) return [];
    return [{ arg: optionValue(l.args, undefined, 'homedir') ?? inHome(home, '.gnupg'), what: 'gpg' }];
  },
  tar: (l) => {
    if (!l.parsed.flags.some((f) => f.name === 'x')) return [];
    return [{ arg: l.parsed.flags.find((f) => f.name === 'C' && f.value)?.value ?? lit('.'), what: 'tar (unpacks into)' }];
  },
  unzip: (l) =>
    hasShort(l.args, 'l') || hasShort(l.args, 'v') || hasShort(l.args, 't') || hasShort(l.args, 'p') || hasShort(l.args, 'Z')
      ? []
      : [{ arg: optionValue(l.args, 'd', undefined) ?? lit('.'), what: 'unzip (unpacks into)' }],
  scp: (l) => {
    const ops = operands(l.args);
    const dest = ops[ops.length - 1];
    return ops.length >= 2 && dest && !/^[^/]*:/.test(dest.text) ? [{ arg: dest, what: 'scp' }] : [];
  },
  patch: (l) => {
    const out = optionValue(l.args, 'o', 'output');
    const first = operands(l.args)[0];
    return out ? [{ arg: out, what: 'patch -o' }] : first ? [{ arg: first, what: 'patch' }] : [];
  },
  wget: (l) => {
    if (optionValue(l.args, 'O', 'output-document')) return [];
    const dir = optionValue(l.args, 'P', 'directory-prefix');
    return operands(l.args).flatMap((u) => {
      const base = u.dynamic ? undefined : urlBasename(u.text);
      return base ? [{ arg: dir ? joinArg(dir, base) : lit(base), what: 'wget (saves as)' }] : [];
    });
  },
  curl: (l) => {
    if (!(hasShort(l.args, 'O') || has(l.args, '--remote-name', '--remote-name-all'))) return [];
    const dir = optionValue(l.args, undefined, 'output-dir');
    return operands(l.args).flatMap((u) => {
      const base = u.dynamic ? undefined : urlBasename(u.text);
      return base ? [{ arg: dir ? joinArg(dir, base) : lit(base), what: 'curl -O (saves as)' }] : [];
    });
  },
  sqlite3: (l) => {
    if (has(l.args, '-readonly', '--readonly')) return [];
    const db = operands(l.args)[0];
    return db ? [{ arg: db, what: 'sqlite3' }] : [];
  },
};

/** `gzip F` replaces F with F.gz, `gunzip F.gz` writes F: both the operand and its name without the suffix. */
const COMPRESSORS = /^(gzip|gunzip|bzip2|bunzip2|xz|unxz|lzma|unlzma|zstd|unzstd|lz4|lzip|brotli|pigz|pbzip2)$/;
const COMPRESSED = /\.(gz|bz2|xz|lzma|zst|lz4|lz|br|tgz)$/;

const npmConfig: Rule = (l, home) => {
  const ops = operands(l.args).map((a) => a.text);
  const writes = (ops[0] === 'config' && ['set', 'delete', 'edit', 'fix'].includes(ops[1] ?? '')) || ops[0] === 'set';
  if (!writes) return [];
  if (has(l.args, '-g', '--global', '--location=global')) return [{ arg: lit('/etc/npmrc'), what: `${l.program} config` }];
  if (has(l.args, '--location=project')) return [{ arg: lit('.npmrc'), what: `${l.program} config` }];
  return [{ arg: inHome(home, '.npmrc'), what: `${l.program} config` }];
};

const EXTRA_RULES: Readonly<Record<string, Rule>> = {
  // `xxd [-r] IN OUT` and `uniq IN OUT` write their second operand.
  xxd: (l) =>
    operands(l.args)
      .slice(1, 2)
      .map((arg) => ({ arg, what: 'xxd (output file)' })),
  uniq: (l) =>
    operands(l.args)
      .slice(1, 2)
      .map((arg) => ({ arg, what: 'uniq (output file)' })),
  npm: npmConfig,
  pnpm: npmConfig,
  yarn: npmConfig,
  'xdg-mime': (l, home) =>
    operands(l.args)[0]?.text === 'default' ? [{ arg: inHome(home, '.config/mimeapps.list'), what: 'xdg-mime default' }] : [],
  'xdg-settings': (l, home) =>
    operands(l.args)[0]?.text === 'set' ? [{ arg: inHome(home, '.config/mimeapps.list'), what: 'xdg-settings set' }] : [],
  'xdg-desktop-menu': (l, home) =>
    operands(l.args)[0]?.text === 'install' ? [{ arg: inHome(home, '.local/share/applications'), what: 'xdg-desktop-menu install' }] : [],
  gsettings: (l, home) =>
    ['set', 'reset', 'reset-recursively'].includes(operands(l.args)[0]?.text ?? '')
      ? [{ arg: inHome(home, '.config/dconf'), what: 'gsettings' }]
      : [],
  dconf: (l, home) =>
    ['write', 'reset', 'load', 'update'].includes(operands(l.args)[0]?.text ?? '')
      ? [{ arg: inHome(home, '.config/dconf'), what: 'dconf' }]
      : [],
};

export function impliedWrites(layer: Layer, home: string | undefined): ImpliedWrite[] {
  if (!layer.dynamicProgram && EXTRA_RULES[layer.program]) return EXTRA_RULES[layer.program]!(layer, home);
  if (
    !layer.dynamicProgram &&
    COMPRESSORS.test(layer.program) &&
    !hasShort(layer.args, 'c') &&
    !hasShort(layer.args, 'l') &&
    !hasShort(layer.args, 't') &&
    !has(layer.args, '--stdout', '--list', '--test')
  ) {
    return operands(layer.args).flatMap((arg) => [
      { arg, what: `${layer.program} (replaces)` },
      ...(COMPRESSED.test(arg.text)
        ? [{ arg: { ...arg, text: arg.text.replace(COMPRESSED, '') }, what: `${layer.program} (writes)` }]
        : []),
    ]);
  }
  if (layer.dynamicProgram) return [];
  const rule = RULES[layer.program === 'gpg2' ? 'gpg' : layer.program === 'bsdtar' ? 'tar' : layer.program];
  if (rule) return rule(layer, home);
  if (EDITORS.has(layer.program))
    return operands(words(layer))
      .filter((a) => !a.text.startsWith('+'))
      .map((arg) => ({ arg, what: `${layer.program} (edits)` }));
  return [];
}
