import fs from 'node:fs';
import os from 'node:os';
import type { MemoryStore } from '../memory/store';

export interface PromptFacts {
  machineName: string;
  cwd: string;
  user: string;
  policy: string;
  memories: string[];
  /** The machine's notes (`machineNotes()`); read here when not given. */
  notes?: readonly string[];
  now?: Date;
}

let knownOsName: string | undefined;

/** The system's name and kernel, read once per process (a request per tool round would read /etc/os-release each time). */
function osName(): string {
  knownOsName ??= readOsName();
  return knownOsName;
}

function readOsName(): string {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
    if (m?.[1]) return `${m[1]} (${os.type()} ${os.release()})`;
  } catch {
    // Not every system has os-release.
  }
  return `${os.type()} ${os.release()}`;
}

/** The most relevant memories for what the person just said (FTS, top few). */
export function relevantMemories(store: MemoryStore | undefined, text: string, limit = 5): string[] {
  if (!store) return [];
  try {
    return store.search(text, { limit }).map((h) => h.memory.content);
  } catch {
    // A query FTS cannot read (only punctuation, …) just means no memories in the prompt.
    return [];
  }
}

/** Where an aios machine (nspawn/build-rootfs) states what the model must know about it. */
export const MACHINE_NOTES_FILE = '/etc/aios/prompt.txt';

/** The machine's own notes for the prompt, one per non-empty line; none on an ordinary host. Read once per turn (the agent passes them to every request of it). */
export function machineNotes(file = MACHINE_NOTES_FILE): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#'))
      .map((l) => (l.startsWith('- ') ? l : `- ${l}`));
  } catch {
    return [];
  }
}

/** Characters of the policy summary a request carries: a huge config must not make every request huge. */
export const POLICY_SUMMARY_MAX = 4_000;

function capPolicy(text: string, max = POLICY_SUMMARY_MAX): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters of rules not shown; every command is still judged by all of them]`;
}

export function systemPrompt(f: PromptFacts): string {
  const lines = [
    'You are aios, the AI layer of this Linux machine. The person talks to you instead of a shell; you do things by calling run_command.',
    'Facts:',
    `- OS: ${osName()}`,
    `- Host name: ${os.hostname()}; machine name: ${f.machineName}`,
    `- User: ${f.user}`,
    `- Working directory: ${f.cwd}`,
    `- Now: ${(f.now ?? new Date()).toISOString()}`,
    `- Permission policy: ${capPolicy(f.policy)}`,
    'Rules: say what you are about to do in one line, then do it. A refused or declined command did not run: explain that, do not try to get around the policy.',
    'For questions about what was run before ("what did I install yesterday?"), call recall_history. Save lasting facts about the person with the create_ai_memory tool (its name may carry a server prefix, e.g. aigpt__create_ai_memory).',
    'Answer in the language the person writes in. Keep answers short; this is often a text console.',
    'Commands run with no terminal and no stdin: nothing can answer a password or a [Y/n] question, so always pass the non-interactive flags (pacman --noconfirm, apt-get -y).',
    ...(f.notes ?? machineNotes()),
  ];
  if (f.memories.length > 0) {
    lines.push('Relevant memories:');
    for (const m of f.memories) lines.push(`- ${m.replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  return lines.join('\n');
}
