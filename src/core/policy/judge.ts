import { decisionRank, stricter, type Decision } from '../../shared/decision-order';
import type { RuleRef, Segment } from '../../shared/policy';
import type { MatchContext } from './rules/match';
import { optionTableFor } from './programs/option-table';
import { renderFlag } from './programs/options';
import { isHarmlessTarget, isInside, isProtected, resolvePath } from './shell/paths';
import { protectedGlobReason, protectedReason, type ProtectedPathContext } from './programs/protected-paths';
import { impliedWrites } from './programs/protected-writes';
import { confinableProgram } from './programs/confinable';
import { secretReadReason, secretRedirectReason } from './programs/secret-reads';
import { ALL_LISTS, RESTRICTIVE, type CompiledPolicy, type Rule, type RuleBook } from './rules/rules';
import type { CdEffect, Floor, Layer, NormalizedCommand } from './shell/types';
import type { FunctionDef } from './shell/walk';
import type { Arg } from './shell/words';

/**
 * Turns normalised commands into segments with decisions: rules per reading
 * (the innermost program decides when nothing stricter matched; nothing
 * matching it means approval), then floors, then the profile, which can only
 * tighten.
 */

const MAX_CWDS = 16;

export interface LineFacts {
  commands: NormalizedCommand[];
  functions: FunctionDef[];
  floors: Floor[];
  /** Files `<` redirections read anywhere in the line. */
  reads?: Arg[];
}

export interface JudgeContext {
  cwd: string;
  home: string | undefined;
  /** aios's own places (config, memory, extra paths); `home` adds the per-user ones. */
  protect?: Omit<ProtectedPathContext, 'home'>;
}

interface Judged {
  decision: Decision;
  rule?: RuleRef;
  ruleRank: number;
  reasons: string[];
  /** The first reason given at the final decision's level, for the line summary. */
  why: Map<Decision, string>;
  /** Something besides "no rule matches" raised the decision (a floor, a rule, a write, a secret). */
  other: boolean;
}

/** Every directory a relative path might be relative to, given the `cd`s anywhere in the line. */
export function possibleCwds(start: string, effects: readonly CdEffect[]): { cwds: string[]; unknown: boolean } {
  const cwds = [start];
  let unknown = false;
  for (const e of effects) {
    if (e.kind === 'unknown') {
      unknown = true;
      continue;
    }
    for (const base of [...cwds]) {
      const next = resolvePath(e.path, base);
      if (!cwds.includes(next)) cwds.push(next);
      if (cwds.length > MAX_CWDS) return { cwds: cwds.slice(0, MAX_CWDS), unknown: true };
    }
  }
  return { cwds, unknown };
}

function renderLayer(layer: Layer | undefined): string {
  if (!layer) return '';
  if (layer.dynamicProgram || layer.transparent || optionTableFor(layer.program, undefined)?.noOptions) {
    return [layer.program, ...layer.args.map((a) => a.text), ...(layer.open ? ['…'] : [])].join(' ');
  }
  const words = [layer.program, ...layer.parsed.flags.map(renderFlag)];
  const positionals = layer.parsed.positionals.map((p) => p.text);
  if (positionals.some((p) => p.startsWith('-'))) words.push('--');
  words.push(...positionals);
  if (layer.open) words.push('…');
  return words.join(' ');
}

function quote(s: string): string {
  return `'${s}'`;
}

function describeRule(r: RuleRef): string {
  const where = r.source === 'profile' ? `profile ${r.profile} ${r.list}` : r.source === 'fallback' ? `built-in ${r.list}` : r.list;
  return `${where} rule ${JSON.stringify(r.pattern)}`;
}

class SegmentJudge {
  private readonly protect: ProtectedPathContext;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly ctx: JudgeContext,
    private readonly match: MatchContext,
    private readonly cwdUnknown: boolean,
    private readonly defined: ReadonlySet<string>,
  ) {
    this.protect = { ...ctx.protect, ...(ctx.home !== undefined ? { home: ctx.home } : {}) };
  }

  private raise(j: Judged, decision: Decision, reason: string): void {
    if (decision !== 'auto_allow' && !reason.startsWith('no rule matches ')) j.other = true;
    j.decision = stricter(j.decision, decision);
    if (!j.reasons.includes(reason)) j.reasons.push(reason);
    if (!j.why.has(decision)) j.why.set(decision, reason);
  }

  private noteRule(j: Judged, rule: Rule): void {
    const rank = decisionRank(rule.ref.list);
    if (rank > j.ruleRank || j.rule === undefined) {
      j.rule = rule.ref;
      j.ruleRank = rank;
    }
    this.raise(j, rule.ref.list, `matches ${describeRule(rule.ref)}`);
  }

  private firstOf(book: RuleBook, lists: readonly Decision[], layer: Layer): Rule | undefined {
    for (const list of lists) {
      const r = book.first(list, layer, this.match);
      if (r) return r;
    }
    return undefined;
  }

  /** A protected place is at least require_approval, whatever the rules and wherever the working tree is. */
  private guard(arg: Arg, what: string, j: Judged, link = false): void {
    if (arg.dynamic || arg.tilde || arg.splits) {
      this.raise(j, 'require_approval', `${what} writes to ${quote(arg.text)}, a path only known at run time`);
      return;
    }
    const ctx = this.protect;
    for (const cwd of this.match.cwds) {
      const target = resolvePath(arg.text, cwd);
      // A link to a folder holding a protected place opens a writable way into it too.
      const why = arg.glob ? protectedGlobReason(target, ctx) : protectedReason(target, ctx, { containing: true });
      if (why) this.raise(j, 'require_approval', `${what} ${link ? 'links to' : 'writes to'} ${target}, a protected path (${why})`);
    }
  }

  private writes(cmd: NormalizedCommand, j: Judged): void {
    for (const w of cmd.writes) {
      if (w.arg.dynamic || w.arg.tilde || w.arg.splits) {
        this.raise(j, 'require_approval', `${w.what} writes to ${quote(w.arg.text)}, a path only known at run time`);
        continue;
      }
      this.guard(w.arg, w.what, j);
      if (this.cwdUnknown && !w.arg.text.startsWith('/')) {
        this.raise(j, 'require_approval', `${w.what} writes to ${quote(w.arg.text)} relative to a directory only known at run time`);
      }
      for (const cwd of this.match.cwds) {
        const target = resolvePath(w.arg.text, cwd);
        if (isHarmlessTarget(target)) continue;
        if (isProtected(target)) this.raise(j, 'require_approval', `${w.what} writes to ${target}, a system location`);
        else if (!isInside(target, this.ctx.cwd))
          this.raise(j, 'require_approval', `${w.what} writes to ${target}, outside the working tree ${this.ctx.cwd}`);
      }
    }
  }

  judge(cmd: NormalizedCommand): { segment: Segment; why: string; unruled: boolean; remember?: string } {
    const j: Judged = { decision: 'auto_allow', ruleRank: -1, reasons: [], why: new Map(), other: false };
    const real = cmd.layers.filter((l) => !l.restrictOnly);
    const innermost = real[real.length - 1];
    const { base, profile } = this.policy;
    // Floors first: when they decide, their reason is the one worth showing.
    for (const f of cmd.floors) this.raise(j, f.decision, f.reason);

    if (innermost) {
      const hit = this.firstOf(base, ALL_LISTS, innermost);
      if (hit) this.noteRule(j, hit);
      else if (innermost.transparent) j.reasons.push('runs only the code inside it, judged as separate segments');
      // On the safe fallback nothing runs unasked, builtins included.
      else if (innermost.harmless && !this.policy.fallback) j.reasons.push(innermost.harmless);
      else this.raise(j, 'require_approval', `no rule matches ${quote(renderLayer(innermost))}`);
    } else if (cmd.floors.length === 0 && cmd.writes.length === 0) {
      this.raise(j, 'require_approval', 'no program to match a rule against');
    }
    // Outer readings (wrappers, guesses) can only tighten.
    for (const layer of cmd.layers) {
      if (layer === innermost) continue;
      const hit = this.firstOf(base, RESTRICTIVE, layer);
      if (hit) this.noteRule(j, hit);
    }
    if (profile) {
      for (const layer of cmd.layers) {
        const hit = this.firstOf(profile, RESTRICTIVE, layer);
        if (hit) this.noteRule(j, hit);
      }
    }
    if (!innermost && cmd.writes.length > 0 && cmd.floors.length === 0)
      this.raise(j, 'require_approval', 'a redirection without a command');
    this.writes(cmd, j);
    for (const l of cmd.layers) for (const w of impliedWrites(l, this.ctx.home)) this.guard(w.arg, w.what, j, w.linkTarget);
    for (const l of real) {
      if (!l.dynamicProgram && this.defined.has(l.program)) {
        this.raise(j, 'require_approval', `calls ${quote(l.program)}, a function or alias defined in this line`);
      }
    }
    const secret = secretReadReason(cmd, this.match.cwds, this.ctx.home);
    if (secret) this.raise(j, 'require_approval', `reads a secret file: ${secret}; what it prints goes to the model provider`);
    if (cmd.ctx.privileged) this.raise(j, 'notify', `runs as another user (inside ${cmd.ctx.via.join(' › ') || 'a privileged wrapper'})`);

    const segment: Segment = {
      argv: cmd.argv.map((a) => a.text),
      normalized: renderLayer(innermost),
      decision: j.decision,
      ...(j.rule ? { rule: j.rule } : {}),
      reasons: j.reasons,
      text: cmd.text,
      wrappers: cmd.wrappers,
      via: cmd.ctx.via,
    };
    // Only "no rule names this program", and nothing else: what may run confined instead of asking.
    const unruled =
      j.decision === 'require_approval' &&
      !j.other &&
      innermost !== undefined &&
      !innermost.dynamicProgram &&
      real.every((l) => confinableProgram(l.program));
    // A rule that would cover it next time: only when nothing but "no rule matches" asked, for a program named plainly.
    const rememberable =
      j.decision === 'require_approval' &&
      !j.other &&
      innermost !== undefined &&
      !innermost.dynamicProgram &&
      /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(innermost.program);
    const remember = rememberable ? narrowRule(innermost) : undefined;
    return { segment, why: j.why.get(j.decision) ?? (j.decision === 'auto_allow' ? 'allowed' : j.decision), unruled, remember };
  }
}

/** Structural patterns (the fork bomb): every function and command they name must be present. */
function applyStructural(
  book: RuleBook | undefined,
  facts: LineFacts,
  segments: Segment[],
  match: MatchContext,
  reasons: string[],
): Decision | undefined {
  if (!book) return undefined;
  let worst: Decision | undefined;
  for (const rule of book.structural) {
    const p = rule.pattern;
    const fns = p.functions.map((body) => facts.functions.filter((f) => f.canonicalBody === body));
    if (fns.some((list) => list.length === 0)) continue;
    const cmdHits = p.commands.map((c) =>
      facts.commands.map((cmd, i) => (book.matchesAnyLayer(c, cmd.layers, match) ? i : -1)).filter((i) => i >= 0),
    );
    if (cmdHits.some((list) => list.length === 0)) continue;
    const names = new Set(fns.flat().map((f) => f.name));
    const hitIndexes = new Set(cmdHits.flat());
    facts.commands.forEach((cmd, i) => {
      const inside = cmd.ctx.inFunctions.some((n) => names.has(n)) || cmd.layers.some((l) => names.has(l.program));
      if (!inside && !hitIndexes.has(i)) return;
      const seg = segments[i] as Segment;
      if (decisionRank(rule.ref.list) >= decisionRank(seg.decision)) {
        seg.decision = rule.ref.list;
        seg.rule = rule.ref;
      }
      const why = `part of ${describeRule(rule.ref)}`;
      if (!seg.reasons.includes(why)) seg.reasons.push(why);
    });
    reasons.push(`the line matches ${describeRule(rule.ref)}`);
    worst = worst === undefined ? rule.ref.list : stricter(worst, rule.ref.list);
  }
  return worst;
}

/** The program and the shape of its arguments (`seq *`, `docker run *`): never a blanket `*`. */
function narrowRule(layer: Layer): string | undefined {
  const [first] = layer.args;
  if (!first) return layer.program;
  if (!first.dynamic && /^[a-z][a-z0-9-]*$/.test(first.text))
    return layer.args.length > 1 ? `${layer.program} ${first.text} *` : `${layer.program} ${first.text}`;
  return `${layer.program} *`;
}

export function judgeLine(
  facts: LineFacts,
  policy: CompiledPolicy,
  ctx: JudgeContext,
): { decision: Decision; segments: Segment[]; reasons: string[]; confinable: boolean; remember?: string } {
  const { cwds, unknown } = possibleCwds(
    ctx.cwd,
    facts.commands.flatMap((c) => c.cd),
  );
  const match: MatchContext = { home: ctx.home, cwds };
  const defined = new Set([...facts.functions.map((f) => f.name), ...facts.commands.flatMap((c) => c.aliases)]);
  const judge = new SegmentJudge(policy, ctx, match, unknown, defined);
  const segments: Segment[] = [];
  const whys: string[] = [];
  const kept: NormalizedCommand[] = [];
  let confinable = !policy.fallback && facts.floors.length === 0;
  const remembers: Array<string | undefined> = [];
  for (const cmd of facts.commands) {
    if (cmd.layers.length === 0 && cmd.floors.length === 0 && cmd.writes.length === 0) continue;
    const { segment, why, unruled, remember } = judge.judge(cmd);
    if (segment.decision !== 'auto_allow' && !unruled) confinable = false;
    if (segment.decision !== 'auto_allow') remembers.push(remember);
    segments.push(segment);
    whys.push(why);
    kept.push(cmd);
  }
  const reasons: string[] = [];
  const keptFacts = { ...facts, commands: kept };
  let decision: Decision = segments.length === 0 ? 'require_approval' : 'auto_allow';
  if (segments.length === 0) reasons.push('the line contains no command to judge');
  for (const s of segments) decision = stricter(decision, s.decision);
  for (const book of [policy.base, policy.profile]) {
    const d = applyStructural(book, keptFacts, segments, match, reasons);
    if (d) {
      decision = stricter(decision, d);
      confinable = false;
    }
  }
  for (const f of facts.floors) {
    decision = stricter(decision, f.decision);
    reasons.push(f.reason);
  }
  for (const r of facts.reads ?? []) {
    const secret = secretRedirectReason(r, cwds, ctx.home);
    if (!secret) continue;
    confinable = false;
    decision = stricter(decision, 'require_approval');
    reasons.push(`a < redirection reads a secret file: ${secret}; what it prints goes to the model provider`);
  }
  const summary = new Set<string>();
  segments.forEach((s, i) => {
    if (s.decision !== decision) return;
    const why = s.rule && s.rule.list === decision ? `matches ${describeRule(s.rule)}` : (whys[i] as string);
    summary.add(`${decision}: ${quote(s.normalized || s.text)}: ${why}`);
  });
  const lines = [...summary];
  reasons.push(...lines.slice(0, 3));
  if (lines.length > 3) reasons.push(`… and ${lines.length - 3} more segments at ${decision}`);
  // The facts a person weighs (root, deletion outside the tree, secrets, protected places) are said even when a rule decided.
  if (decisionRank(decision) >= decisionRank('require_approval')) {
    for (const s of segments) {
      if (s.decision !== decision) continue;
      for (const r of s.reasons) {
        if (
          /^runs as another user|outside the working tree|a protected path|reads a secret file|takes programs from/.test(r) &&
          !lines.some((l) => l.endsWith(r)) &&
          !reasons.includes(r)
        )
          reasons.push(r);
      }
    }
  }
  const distinct = new Set(remembers);
  const only = distinct.size === 1 ? [...distinct][0] : undefined;
  // Only a question a rule could answer: nothing line-level (a floor, a secret redirect, a structural rule) asked too.
  const lineClean =
    facts.floors.length === 0 && !reasons.some((r) => r.startsWith('a < redirection reads a secret') || r.startsWith('the line matches'));
  const remember = decision === 'require_approval' && lineClean && !policy.fallback && only !== undefined ? only : undefined;
  return { decision, segments, reasons, confinable: confinable && decision === 'require_approval', remember };
}
