import { joinCode, type Inspection } from './findings';
import type { Arg } from '../shell/words';

/**
 * Code run later or somewhere else than the line itself: a callback of
 * `mapfile -C`/`readarray -C`, `compgen -C`, a job given to `at`/`batch`,
 * a command a terminal multiplexer starts or types (`tmux new 'cmd'`,
 * `tmux send-keys`, `screen -X stuff`). Literal code is judged like the
 * line; all of them need approval (what runs, and when, is out of sight).
 */

/** `mapfile -C CODE`, `readarray -C CODE`, `compgen -C CODE` (`complete -C` only runs at interactive completion). */
export function inspectCallbackOption(ins: Inspection): void {
  const { layer, found } = ins;
  const args = layer.args;
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!.text;
    if (args[i]!.dynamic || !/^-[A-Za-z]*C/.test(t)) continue;
    const at = t.indexOf('C');
    const code: Arg | undefined = at + 1 < t.length ? { ...args[i]!, text: t.slice(at + 1), prefix: t.slice(at + 1) } : args[i + 1];
    found.floor('require_approval', `${layer.program} -C runs a command for each call`);
    if (!code) continue;
    if (code.dynamic) found.floor('require_approval', `${layer.program} -C runs code only known at run time`);
    else found.code(code.text, `${layer.program} -C`);
  }
}

/** `at TIME` / `batch`: the job is read from stdin (or `-f FILE`) and runs later. */
export function inspectAt(ins: Inspection): void {
  const { layer, found, ctx } = ins;
  const listOnly = layer.args.some((a) => /^-[A-Za-z]*[lrdc]/.test(a.text) && !a.dynamic);
  if (listOnly && layer.program === 'at') return;
  found.floor('require_approval', `${layer.program} schedules a command to run later`);
  if (ctx.stdinCode !== undefined) found.code(ctx.stdinCode, `${layer.program} job`);
}

const TMUX_RUNS = new Set([
  'new-session',
  'new',
  'new-window',
  'neww',
  'split-window',
  'splitw',
  'run-shell',
  'run',
  'respawn-pane',
  'respawnp',
  'respawn-window',
  'respawnw',
  'display-popup',
  'popup',
  'pipe-pane',
  'pipep',
  'if-shell',
  'if',
]);
const TMUX_VALUED = 'cefFlnNpstTwxy';

/** `tmux SUBCOMMAND [options] [shell-command]`, `tmux send-keys` (types into a shell). */
export function inspectTmux(ins: Inspection): void {
  const { layer, found } = ins;
  found.floor('require_approval', 'tmux starts or types commands in terminals out of sight');
  const args = layer.args;
  let i = 0;
  while (i < args.length && args[i]!.text.startsWith('-') && !args[i]!.dynamic) i += /^-[LSf]$/.test(args[i]!.text) ? 2 : 1;
  const sub = args[i];
  if (!sub || sub.dynamic) return;
  const rest = args.slice(i + 1);
  let k = 0;
  while (k < rest.length && rest[k]!.text.startsWith('-') && !rest[k]!.dynamic) {
    const t = rest[k]!.text;
    k += t.length === 2 && TMUX_VALUED.includes(t[1]!) ? 2 : 1;
  }
  const tail = rest.slice(k);
  if (tail.length === 0) return;
  if (TMUX_RUNS.has(sub.text) || sub.text === 'send-keys' || sub.text === 'send') {
    const code = joinCode(tail.filter((a) => !/^(Enter|C-m|KPEnter)$/.test(a.text)));
    if (code === undefined) found.floor('require_approval', 'tmux runs code only known at run time');
    else if (code.trim() !== '') found.code(code, `tmux ${sub.text}`);
  }
}

const SCREEN_VALUED = 'cehpsStTlL';

/** `screen [options] [cmd args]`, `screen -X stuff 'text'` (types into a window). */
export function inspectScreen(ins: Inspection): void {
  const { layer, found } = ins;
  found.floor('require_approval', 'screen starts or types commands in terminals out of sight');
  const args = layer.args;
  let i = 0;
  let typed = false;
  for (; i < args.length; i++) {
    const t = args[i]!.text;
    if (args[i]!.dynamic || !t.startsWith('-')) break;
    if (t === '-X') typed = true;
    if (/^-(d|D|r|R)?m?S$|^-[a-zA-Z]$/.test(t) && SCREEN_VALUED.includes(t[t.length - 1]!)) i++;
  }
  const tail = args.slice(i);
  if (tail.length === 0) return;
  const words = typed && tail[0]?.text === 'stuff' ? tail.slice(1) : typed ? [] : tail;
  if (words.length === 0) return;
  const code = joinCode(words);
  if (code === undefined) found.floor('require_approval', 'screen runs code only known at run time');
  else found.code(code.replace(/\\n|\^M/g, '\n'), typed ? 'screen -X stuff' : 'screen');
}
