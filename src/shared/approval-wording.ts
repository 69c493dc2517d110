import { reasonsBeyondRule } from './policy';

/**
 * One wording for every approval question (web modal, Electron dialog, TTY
 * prompt): what the command will do and why aios asks, in plain words, with
 * the rule and the engine's own reasons kept for a disclosure ("details")
 * rather than put in front. The engine's reasons are stable phrases
 * (policy/judge.ts and friends); each known shape is said again plainly and
 * anything unknown is passed on as written, so nothing is hidden.
 */

export interface ApprovalWordingInput {
  command: string;
  cwd: string;
  rule: string | null;
  reasons: readonly string[];
  tool?: { server: string; tool: string } | undefined;
}

export interface ApprovalWording {
  /** One sentence: what is asked. */
  headline: string;
  /** Why aios asks, plain, most telling first (at least one line). */
  because: string[];
  /** For the disclosure: the rule that decided, then the engine's reasons as written. */
  details: string[];
}

const SUMMARY = /^(auto_allow|notify|require_approval|deny): '((?:[^']|'(?!: ))*)': (.*)$/;

function firstWord(text: string): string {
  return text.trim().split(/\s+/)[0] ?? text;
}

/** One engine reason in plain words, or undefined when it only repeats the rule. */
export function plainReason(reason: string): string | undefined {
  const summary = SUMMARY.exec(reason);
  const r = summary ? (summary[3] as string) : reason;
  let m: RegExpExecArray | null;
  if ((m = /^no rule matches '([^']*)'/.exec(r))) return `no rule covers \`${firstWord(m[1] as string)}\``;
  if ((m = /^no rule matches (mcp__\S+)/.exec(r))) return `no rule covers the tool ${m[1]}`;
  if (/^no program to match a rule against/.test(r)) return 'aios cannot tell which program this runs';
  if (/^runs as another user/.test(r)) return 'it runs as root (another user), with full access to the machine';
  if ((m = /^(rm|shred|unlink|rmdir)\b.* writes to (\S+), outside the working tree/.exec(r)))
    return `it deletes files outside this folder (${m[2]})`;
  if ((m = /^(.*) writes to (\S+), outside the working tree/.exec(r))) return `it changes files outside this folder (${m[2]})`;
  if ((m = /^(.*) (?:writes|links) to (\S+), a protected path \((.*)\)$/.exec(r)))
    return `it changes ${m[2]}, which aios protects (${(m[3] as string).replace(/^\S+ is /, '')})`;
  if ((m = /^(.*) writes to (\S+), a system location/.exec(r))) return `it changes ${m[2]}, a system file`;
  if ((m = /^(.*) writes to '([^']*)', a path only known at run time/.exec(r)))
    return `it writes to a file that is only known when it runs (${m[2]})`;
  if ((m = /reads a secret file: (.*?); what it prints/.exec(r)))
    return `it reads a secret (${m[1]}); what it prints would be sent to the AI provider`;
  if ((m = /^matches (?:profile \S+ |built-in )?(require_approval|deny|notify|auto_allow) rule/.exec(r))) {
    if (m[1] === 'deny') return 'your rules never allow this';
    if (m[1] === 'require_approval') return 'your rules ask before commands like this';
    return undefined;
  }
  if (/^the configuration has problems/.test(r)) return 'your config.toml has a problem, so aios asks before everything until it is fixed';
  if ((m = /^the program '([^']*)' is only known at run time/.exec(r))) return `which program runs is only known when it runs (${m[1]})`;
  if (/only known at run time/.test(r)) return `part of it is only known when it runs: ${r}`;
  if ((m = /^calls '([^']*)', a function or alias defined in this line/.exec(r))) return `it calls ${m[1]}, defined in the same line`;
  if (/starts an interactive interpreter|opens a shell/.test(r)) return `${r}: it would wait for input nobody gives`;
  if (/cannot be judged before it runs|runs code given on the command line/.test(r)) return `${r}; aios cannot check that code first`;
  return r;
}

/** The plain question for one approval request. */
export function approvalWording(input: ApprovalWordingInput): ApprovalWording {
  const headline = input.tool
    ? `The AI wants to call the tool ${input.tool.tool} of the server ${input.tool.server}.`
    : `The AI wants to run \`${input.command.length > 120 ? `${input.command.slice(0, 117)}…` : input.command}\`.`;
  const because: string[] = [];
  for (const r of input.reasons) {
    const plain = plainReason(r);
    if (plain && !because.includes(plain)) because.push(plain);
  }
  if (because.length === 0) {
    because.push(
      input.tool
        ? 'no rule covers this tool, so aios asks before calling it'
        : input.rule
          ? 'your rules ask before commands like this'
          : 'no rule covers it, so aios asks',
    );
  }
  // The most telling first: root, deletion, secrets and protected places before "no rule covers".
  const weight = (s: string): number => (/^no rule covers/.test(s) ? 1 : /^your rules ask/.test(s) ? 0.5 : 0);
  because.sort((a, b) => weight(a) - weight(b));
  const details = [`rule: ${input.rule ?? 'none matched'}`, ...reasonsBeyondRule(input.rule, input.reasons)];
  return { headline, because, details };
}

/** The same as text lines, for the hosts without a disclosure widget (Electron's box, the TTY). */
export function approvalText(input: ApprovalWordingInput): { headline: string; because: string; details: string } {
  const w = approvalWording(input);
  return {
    headline: w.headline,
    because: `aios asks because ${w.because.join('; ')}.`.replace(/\.\.$/, '.'),
    details: w.details.join('\n'),
  };
}
