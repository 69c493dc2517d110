import type { Inspection } from './findings';
import type { Arg } from '../shell/words';

/**
 * Installs of what the AI may have built itself. Rules like
 * `notify = ["dpkg -i *", "apt install*", "cargo install*"]` are meant for
 * packages from the distribution or a registry; a package file, a unit file
 * given by path, or a crate, module or project from a folder or a URL runs
 * the AI's own code (often as root) and needs approval, whatever rule matched.
 */

function operands(args: readonly Arg[]): Arg[] {
  const out: Arg[] = [];
  let done = false;
  for (const a of args) {
    if (!done && a.text === '--') done = true;
    else if (done || !a.text.startsWith('-')) out.push(a);
  }
  return out;
}

/** A word naming a file or folder rather than a package name. */
function isPathOrUrl(a: Arg): boolean {
  if (a.dynamic) return true;
  const t = a.text;
  return (
    t.includes('/') ||
    t === '.' ||
    t === '..' ||
    t.startsWith('~') ||
    /^[a-z][a-z0-9+.-]*:/i.test(t) ||
    /\.(deb|rpm|apk|whl|tar\.gz|tgz|zip|pkg\.tar(\.\w+)?|snap|flatpak(ref)?|gem|crate|egg)$/.test(t)
  );
}

function has(args: readonly Arg[], ...names: string[]): Arg | undefined {
  return args.find((a) => names.includes(a.text) || names.some((n) => n.startsWith('--') && a.text.startsWith(`${n}=`)));
}

function ask(ins: Inspection, why: string): void {
  ins.found.floor(
    'require_approval',
    `${why}: it runs code that did not come from the distribution or a registry (maybe built here), so a rule for ordinary installs does not cover it`,
  );
}

export function inspectLocalInstall(ins: Inspection): void {
  const { layer } = ins;
  const p = layer.program;
  const args = layer.args;
  const ops = operands(args);
  const sub = ops[0]?.text;
  if (
    p === 'dpkg' &&
    args.some(
      (a) =>
        (/^-[A-Za-z]*i/.test(a.text) && !a.text.startsWith('--')) ||
        a.text === '--install' ||
        a.text === '--unpack' ||
        a.text === '--record-avail',
    )
  ) {
    ask(ins, 'dpkg -i installs a package file');
  } else if (
    (p === 'apt' || p === 'apt-get' || p === 'aptitude' || p === 'dnf' || p === 'yum' || p === 'zypper' || p === 'apk') &&
    ['install', 'reinstall', 'add', 'in', 'localinstall', 'upgrade'].includes(sub ?? '')
  ) {
    const local = ops.slice(1).find(isPathOrUrl);
    if (local || sub === 'localinstall') ask(ins, `${p} ${sub} ${local?.text ?? ''} installs a local package file`.replace(/\s+/g, ' '));
    if (p === 'apk' && has(args, '--allow-untrusted')) ask(ins, 'apk --allow-untrusted installs an unsigned package');
  } else if (p === 'pacman' && args.some((a) => /^-[A-Za-z]*U/.test(a.text) || a.text === '--upgrade')) {
    ask(ins, 'pacman -U installs a package file');
  } else if (p === 'rpm' && args.some((a) => /^-[A-Za-z]*[iUF]/.test(a.text) || ['--install', '--upgrade', '--freshen'].includes(a.text))) {
    ask(ins, 'rpm -i installs a package file');
  } else if (p === 'makepkg' && args.some((a) => /^-[A-Za-z]*i/.test(a.text) || a.text === '--install')) {
    ask(ins, 'makepkg -i builds and installs a local package');
  } else if (p === 'systemctl') {
    const unit = ops.slice(1).find((a) => a.dynamic || a.text.includes('/'));
    if (sub && ['enable', 'start', 'restart', 'reenable', 'link', 'reload', 'try-restart', 'reload-or-restart'].includes(sub) && unit)
      ask(ins, `systemctl ${sub} ${unit.text} uses a unit file given by path`);
  } else if (p === 'cargo' && sub === 'install') {
    const opt = has(args, '--path', '--git', '--index', '--registry');
    if (opt) ask(ins, `cargo install ${opt.text.split('=')[0]} builds a crate from a folder or another source`);
  } else if (
    /^(pip[0-9.]*|pipx|uv|poetry)$/.test(p) &&
    (sub === 'install' || sub === 'inject' || (sub === 'pip' && ops[1]?.text === 'install') || sub === 'add')
  ) {
    const start = sub === 'pip' ? 2 : 1;
    const local = ops.slice(start).find(isPathOrUrl);
    const opt = has(
      args,
      '-e',
      '--editable',
      '-r',
      '--requirement',
      '-c',
      '--constraint',
      '--index-url',
      '-i',
      '--extra-index-url',
      '-f',
      '--find-links',
    );
    if (local || opt) ask(ins, `${p} install ${(local ?? opt)!.text} installs from a folder, a file or another index`);
  } else if (/^(npm|pnpm|yarn|bun)$/.test(p) && ['install', 'i', 'add', 'link', 'ln'].includes(sub ?? '')) {
    const local = ops.slice(1).find((a) => isPathOrUrl(a) || /^(git|github|file|link):/.test(a.text));
    if (local || ['link', 'ln'].includes(sub ?? ''))
      ask(ins, `${p} ${sub} ${local?.text ?? ''} installs a package from a folder, a file or a URL`.replace(/\s+/g, ' '));
  } else if (p === 'gem' && sub === 'install' && (ops.slice(1).some(isPathOrUrl) || has(args, '--local', '-l', '--source'))) {
    ask(ins, 'gem install installs a local gem file');
  } else if (
    p === 'go' &&
    (sub === 'install' || sub === 'run') &&
    ops.slice(1).some((a) => a.dynamic || a.text.startsWith('.') || a.text.startsWith('/'))
  ) {
    ask(ins, `go ${sub} builds a program from a local folder`);
  } else if (
    (p === 'snap' && sub === 'install' && (has(args, '--dangerous', '--devmode', '--classic') || ops.slice(1).some(isPathOrUrl))) ||
    (p === 'flatpak' && sub === 'install' && (has(args, '--bundle', '--from') || ops.slice(1).some(isPathOrUrl)))
  ) {
    ask(ins, `${p} install installs a local or unsigned package`);
  }
}
