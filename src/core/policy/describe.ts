import type { Decision } from '../../shared/policy';
import { formatProblem } from '../config/problems';
import type { CompiledPolicy, RuleBook } from './rules/rules';

const LIST_WORDS: Record<Decision, string> = {
  deny: 'never run (deny)',
  require_approval: 'need the person’s approval (require_approval)',
  notify: 'run and the person is told (notify)',
  auto_allow: 'run without asking (auto_allow)',
};

function patternsOf(book: RuleBook, list: Decision): string[] {
  return book.rules.filter((r) => r.ref.list === list).map((r) => r.ref.pattern);
}

function toolPatternsOf(book: RuleBook, list: Decision): string[] {
  return book.tools.rules.filter((r) => r.ref.list === list).map((r) => r.ref.pattern);
}

/** The policy in one paragraph, written for the AI's system prompt. */
export function describePolicy(policy: CompiledPolicy): string {
  const parts: string[] = [];
  if (policy.fallback) {
    parts.push(
      `The permission policy is running on its safe fallback because the configuration has problems (${policy.problems.map(formatProblem).join('; ')}): every command needs the person’s approval, and these never run: ${patternsOf(policy.base, 'deny').join(', ')}.`,
    );
  } else {
    parts.push(
      'Every command you propose is parsed as shell code and each simple command in it is judged on its own; the line gets the strictest decision.',
    );
    for (const list of ['auto_allow', 'notify', 'require_approval', 'deny'] as const) {
      const patterns = patternsOf(policy.base, list);
      if (patterns.length > 0) parts.push(`Commands matching ${patterns.map((p) => JSON.stringify(p)).join(', ')} ${LIST_WORDS[list]}.`);
    }
    if (policy.profile && policy.profileName) {
      for (const list of ['notify', 'require_approval', 'deny'] as const) {
        const patterns = patternsOf(policy.profile, list);
        if (patterns.length > 0)
          parts.push(
            `On this machine (profile ${policy.profileName}) commands matching ${patterns.map((p) => JSON.stringify(p)).join(', ')} ${LIST_WORDS[list]}.`,
          );
      }
    }
    parts.push('Anything matching no rule needs approval.');
    if (policy.replaceShipped)
      parts.push('This configuration replaces the shipped rules (replace_shipped = true): the shipped deny list does not apply.');
    const tools = (['auto_allow', 'notify', 'require_approval', 'deny'] as const)
      .map((list) => [list, toolPatternsOf(policy.base, list)] as const)
      .filter(([, p]) => p.length > 0)
      .map(([list, p]) => `${p.join(', ')} ${LIST_WORDS[list]}`);
    parts.push(
      `Tool calls go through the same gate: MCP tools are named mcp__<server>__<tool> in the rules (your own memory and history tools are the server aios)${tools.length > 0 ? `; ${tools.join('; ')}` : ''}; a tool matching no rule needs approval.`,
    );
  }
  parts.push(
    'Wrappers (sudo, env, nice, timeout, xargs, …) are looked through, `sh -c`/`eval` strings are judged too, and anything only known at run time (a variable or $(…) as the program, code piped into a shell or interpreter, `python -c`, `find -exec`/`-delete`, writes outside the working directory) needs approval, and so does any write to a protected path (aios’s config, memory, data and cache, shell start-up files, ~/.ssh, ~/.gnupg, .git/hooks and .git/config, systemd user units, crontabs, autostart), so prefer plain, literal commands.',
  );
  return parts.join(' ');
}
