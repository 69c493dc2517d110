import { joinCode, shellQuote, type Inspection } from './findings';
import type { Arg } from '../shell/words';

/**
 * Commands that carry other code: shells with `-c` or code on stdin, `eval`,
 * `trap`, `alias`, `su -c`, `watch`, `ssh host cmd`, `find -exec`. Literal
 * code is handed back to be parsed and judged like the line itself; code
 * only known at run time fails closed.
 */

/**
 * Shells whose code the bash grammar reads as they do: for every other
 * shell (fish's `(cmd)`, zsh's and csh's `>!`, ksh's own expansions) code
 * given to it is not judged as bash; it needs approval.
 */
const BASH_GRAMMAR = new Set(['sh', 'bash', 'dash', 'ash', 'rbash', 'posh', 'hush']);

const STDIN_WORDS: Record<string, string> = {
  pipe: 'a pipe',
  heredoc: 'a heredoc',
  herestring: 'a here-string',
  file: 'a redirected file',
};

function stdinFloor(ins: Inspection, what: string): void {
  const { ctx, found } = ins;
  if (ctx.stdin) {
    found.floor('require_approval', `${what} reads code from ${STDIN_WORDS[ctx.stdin]}, which cannot be judged before it runs`);
    if (ctx.stdinCode !== undefined) found.code(ctx.stdinCode, `${ins.layer.program} <<stdin`);
  } else {
    found.floor('require_approval', `${what} starts an interactive interpreter`);
  }
}

/** `bash [options] [-c CODE | SCRIPT | -s] [args]`. */
export function inspectShell(ins: Inspection): void {
  const { layer, found } = ins;
  const args = layer.args;
  const foreign = !BASH_GRAMMAR.has(layer.program);
  // Another shell's options (`fish --command`, `zsh -o`, `csh -f`) are not bash's either: only asking its version is plain.
  if (foreign && !(args.length === 1 && !args[0]!.dynamic && ['--version', '--help'].includes(args[0]!.text))) {
    found.floor('require_approval', `${layer.program} runs ${layer.program} code, whose grammar aios does not parse (it is not bash)`);
  }
  let codeMode = false;
  let stdinMode = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as Arg;
    if (a.dynamic) {
      if (a.prefix.startsWith('-') || a.prefix.startsWith('+') || a.splits || a.prefix === '') {
        found.floor('require_approval', `${layer.program} gets options only known at run time`);
        return;
      }
      break;
    }
    const t = a.text;
    if (t === '--' || t === '-') {
      if (t === '-') stdinMode = true;
      i++;
      break;
    }
    if (t.startsWith('--')) {
      if (t === '--rcfile' || t === '--init-file') i++;
      continue;
    }
    if ((t.startsWith('-') || t.startsWith('+')) && t.length > 1) {
      for (const c of t.slice(1)) {
        if (c === 'c') codeMode = true;
        else if (c === 's') stdinMode = true;
        else if (c === 'o' || c === 'O') i++;
      }
      continue;
    }
    break;
  }
  const operand = args[i];
  if (codeMode) {
    if (!operand) return; // bash refuses -c without a string: nothing runs
    if (foreign) {
      // Its words still tighten: `zsh -c 'rm -rf /'` is read as bash too, for the deny rules.
      if (!operand.dynamic) found.code(operand.text, `${layer.program} -c`);
      return;
    }
    if (operand.dynamic) {
      found.floor('require_approval', `${layer.program} -c runs code only known at run time`);
      return;
    }
    found.code(operand.text, `${layer.program} -c`);
    layer.transparent = true;
    return;
  }
  if (operand && !stdinMode) return; // a script file: judged by the rules for this program
  stdinFloor(ins, layer.program);
}

/** `eval WORDS…`: the words joined with spaces are parsed again. */
export function inspectEval(ins: Inspection): void {
  const { layer, found } = ins;
  const code = joinCode(layer.args);
  if (code === undefined) {
    found.floor('require_approval', 'eval of text only known at run time');
    return;
  }
  if (code.trim() !== '') found.code(code, 'eval');
  layer.transparent = true;
}

/** `trap [-lpP] [CODE] SIGNAL…`. */
export function inspectTrap(ins: Inspection): void {
  const { layer, found } = ins;
  const operands = layer.args.filter((a, i) => !(i === 0 && !a.dynamic && /^-[lpP]+$/.test(a.text)) && !(a.text === '--' && !a.dynamic));
  layer.transparent = true;
  if (operands.length < 2) return; // printing or resetting traps runs nothing
  const code = operands[0] as Arg;
  if (code.dynamic) {
    found.floor('require_approval', 'trap installs code only known at run time');
    return;
  }
  if (code.text !== '-' && code.text.trim() !== '') found.code(code.text, 'trap');
}

/** `alias name=value…`: each value is code; calling the name later runs it. */
export function inspectAlias(ins: Inspection): void {
  const { layer, found } = ins;
  layer.transparent = true;
  for (const a of layer.args) {
    const eq = a.text.indexOf('=');
    if (eq <= 0) continue;
    if (a.dynamic) {
      found.floor('require_approval', 'alias defines code only known at run time');
      continue;
    }
    found.aliases.push(a.text.slice(0, eq));
    found.code(a.text.slice(eq + 1), 'alias');
  }
}

/** `su [options] [-] [user] [-c CODE]`. */
export function inspectSu(ins: Inspection): void {
  const { layer, found } = ins;
  found.floor('notify', 'runs as another user (su)');
  found.privileged = true;
  let code: Arg | undefined;
  const args = layer.args;
  for (let i = 0; i < args.length; i++) {
    const t = (args[i] as Arg).text;
    const shell =
      t === '-s' || t === '--shell'
        ? args[i + 1]
        : t.startsWith('--shell=')
          ? { ...(args[i] as Arg), text: t.slice(8) }
          : /^-[a-z]*s$/.test(t) && t !== '-s'
            ? args[i + 1]
            : undefined;
    if (shell && (shell.dynamic || !/^\/(usr\/)?bin\/(ba|da)?sh$/.test(shell.text))) {
      found.floor('require_approval', `su -s runs ${shell.text} as the shell, a program the line chooses (its code is not bash)`);
    }
    if (t === '-c' || t === '--command' || t === '--session-command') code = args[++i];
    else if (t.startsWith('--command=') || t.startsWith('--session-command=')) {
      const v = t.slice(t.indexOf('=') + 1);
      code = { ...(args[i] as Arg), text: v, prefix: v };
    } else if (/^-[a-z]*c$/.test(t)) code = args[++i];
  }
  if (!code) {
    found.floor('require_approval', 'su without -c opens a shell as another user');
    return;
  }
  if (code.dynamic) {
    found.floor('require_approval', 'su -c runs code only known at run time');
    return;
  }
  found.code(code.text, 'su -c');
  layer.transparent = true;
}

/** `watch [options] COMMAND…`: the words run through `sh -c` (or directly with `-x`). */
export function inspectWatch(ins: Inspection): void {
  const { layer, found } = ins;
  const args = layer.args;
  let exec = false;
  let i = 0;
  for (; i < args.length; i++) {
    const t = (args[i] as Arg).text;
    if ((args[i] as Arg).dynamic) break;
    if (t === '--') {
      i++;
      break;
    }
    if (t === '-n' || t === '--interval') i++;
    else if (t === '-x' || t === '--exec') exec = true;
    else if (!t.startsWith('-')) break;
    else if (/^-[a-z]*x/.test(t)) exec = true;
  }
  const rest = args.slice(i);
  if (rest.length === 0) return;
  layer.transparent = true;
  if (exec) {
    found.argv(rest, 'watch -x', false);
    return;
  }
  const code = joinCode(rest);
  if (code === undefined) found.floor('require_approval', 'watch runs code only known at run time');
  else found.code(code, 'watch');
}

const SSH_VALUED = 'BbcDEeFIiJLlmOoPpQRSWw';

/** `ssh [options] host [command…]`: the remote command is judged too (it is still a command this person runs). */
export function inspectSsh(ins: Inspection): void {
  const { layer, found } = ins;
  const args = layer.args;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as Arg;
    if (a.dynamic) break;
    const t = a.text;
    if (t === '--') {
      i++;
      break;
    }
    if (!t.startsWith('-') || t.length < 2) break;
    for (let k = 1; k < t.length; k++) {
      const c = t[k] as string;
      if (!SSH_VALUED.includes(c)) continue;
      const value = k + 1 < t.length ? t.slice(k + 1) : (args[++i]?.text ?? '');
      if (c === 'o' && /^(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand)\b/i.test(value)) {
        found.floor('require_approval', `ssh -o ${value.split(/[=\s]/)[0]} runs a local command`);
      }
      break;
    }
  }
  const remote = args.slice(i + 1);
  if (remote.length === 0) return;
  const code = joinCode(remote);
  if (code === undefined) found.floor('require_approval', 'ssh runs a remote command only known at run time');
  else found.code(code, 'ssh (remote)');
}

const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const FIND_WRITES = new Set(['-fprint', '-fprint0', '-fprintf', '-fls']);

/** find's expression: `-exec`-style actions run commands (judged too); `-delete` and `-fprint` change files. */
export function inspectFind(ins: Inspection): void {
  const { layer, found } = ins;
  const args = layer.args;
  if (layer.open || layer.parsed.uncertain)
    found.floor('require_approval', 'find gets arguments only known at run time (they could be -exec or -delete)');
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Arg;
    const t = a.text;
    if (FIND_EXEC.has(t)) {
      found.floor('require_approval', `find ${t} runs a command on every file found`);
      const inner: Arg[] = [];
      let open = false;
      for (i++; i < args.length; i++) {
        const w = args[i] as Arg;
        if (w.text === ';' || (w.text === '+' && inner.length > 0 && inner[inner.length - 1]?.text === '{}')) {
          open = w.text === '+';
          break;
        }
        // `{}` becomes each file found: a value known only at run time.
        inner.push(w.text.includes('{}') ? { ...w, dynamic: true, prefix: w.text.slice(0, w.text.indexOf('{}')) } : w);
      }
      if (inner.length > 0) found.argv(inner, `find ${t}`, open);
    } else if (t === '-delete') {
      found.floor('require_approval', 'find -delete removes every file found');
    } else if (FIND_WRITES.has(t)) {
      found.floor('require_approval', `find ${t} writes a file`);
      const target = args[i + 1];
      if (target) found.write(target, `find ${t}`);
    }
  }
}

/** Programs with an option whose value is shell code run through `sh -c`. */
export const CODE_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  script: ['-c', '--command'],
  flock: ['-c', '--command'],
  runuser: ['-c', '--command', '--session-command'],
};

/** `script -c CODE`, `flock -c CODE file`, `runuser -c CODE`. */
export function inspectCodeOption(ins: Inspection): void {
  const { layer, found } = ins;
  const names = CODE_OPTIONS[layer.program] ?? [];
  const args = layer.args;
  for (let i = 0; i < args.length; i++) {
    const t = (args[i] as Arg).text;
    let code: Arg | undefined;
    const long = names.find((n) => n.startsWith('--') && t.startsWith(`${n}=`));
    if (long) code = { ...(args[i] as Arg), text: t.slice(long.length + 1), prefix: (args[i] as Arg).prefix.slice(long.length + 1) };
    else if (names.includes(t) || (/^-[A-Za-z]*c$/.test(t) && names.includes('-c'))) code = args[++i];
    if (!code) continue;
    if (code.dynamic) found.floor('require_approval', `${layer.program} runs shell code only known at run time`);
    else found.code(code.text, `${layer.program} -c`);
  }
  if (layer.program === 'runuser') {
    found.floor('notify', 'runs as another user (runuser)');
    found.privileged = true;
  }
}

/** `source FILE` / `. FILE`. */
export function inspectSource(ins: Inspection): void {
  ins.found.floor('require_approval', `${ins.layer.program} runs the code in a file in this shell`);
  // `. /dev/stdin <<'EOF'`, `source - <<<'…'`: the code is right there.
  const file = ins.layer.args[0];
  if (file && !file.dynamic && /^(-|\/dev\/stdin|\/dev\/fd\/0|\/proc\/self\/fd\/0)$/.test(file.text) && ins.ctx.stdinCode !== undefined) {
    ins.found.code(ins.ctx.stdinCode, `${ins.layer.program} <<stdin`);
  }
}

export function quoteArgs(args: readonly Arg[]): string {
  return args.map((a) => shellQuote(a.text)).join(' ');
}
