/**
 * An approved command's finished preview committed as its transaction (real
 * runc/crun, real overlays, a scratch tree, as root): the command appends a
 * random value, so what lands tells whether it ran once (the preview's value)
 * or twice (another one). A file changed while the question was open is a
 * conflict, with nothing applied; a command the preview could not see whole
 * (the network) or one that acts outside the filesystem runs again, as before.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spentRunsRemoved } from '../../src/core/jail/preview';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Gate, type ApprovalRequest } from '../../src/core/gate';
import type { Approver } from '../../src/core/gate/types';
import { PreviewConfigSchema, TransactionsConfigSchema } from '../../src/core/config/schema';
import { loadConfig } from '../../src/core/config/load';
import { Executor } from '../../src/core/executor/executor';
import { CommandLog } from '../../src/core/memory/history';
import { PolicyEngine } from '../../src/core/policy';
import { previewerFor } from '../../src/core/preview/previewer';
import { undoRecord } from '../../src/core/transaction';
import { Transactions, type TransactionRun } from '../../src/core/transaction/hook';
import type { Preview } from '../../src/shared/preview';
import { canRun, makeMachine, removeScratch, treeHash } from './support';

const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };

/** What the transaction step got back, reasons included (the card only shows its text): every run of `tx`, in order. */
function recordRuns(tx: Transactions): TransactionRun[] {
  const runs: TransactionRun[] = [];
  const run = tx.run.bind(tx);
  tx.run = async (req) => {
    const r = await run(req);
    runs.push(r);
    return r;
  };
  return runs;
}

describe.skipIf(!canRun)('an approved preview committed as the transaction', () => {
  let base: string;
  let machine: string;
  let conf: string;
  let tx: Transactions;
  let runs: TransactionRun[];
  let history: CommandLog;
  const events: Array<[string, unknown]> = [];
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tx-preview-'));
    machine = path.join(base, 'machine');
    makeMachine(machine);
    conf = path.join(machine, 'etc/app/app.conf');
    history = new CommandLog(path.join(base, 'memory.db'));
    tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [machine], state_dir: path.join(base, 'state') }), {
      env,
      protect: {},
    });
    runs = recordRuns(tx);
    events.length = 0;
  });
  afterEach(async () => {
    history.close();
    await removeScratch(base);
  });

  /** Says yes once the preview is in (after `meanwhile`, what happens while the person reads it). */
  function approverAfterPreview(meanwhile?: () => void): { approver: Approver; previews: Preview[]; asked: ApprovalRequest[] } {
    const previews: Preview[] = [];
    const asked: ApprovalRequest[] = [];
    let ready: () => void = () => undefined;
    const got = new Promise<void>((resolve) => (ready = resolve));
    return {
      previews,
      asked,
      approver: {
        approve: async (r) => {
          asked.push(r);
          await Promise.race([got, new Promise((resolve) => setTimeout(resolve, 20_000))]);
          meanwhile?.();
          return 'approved';
        },
        previewReady: (_id, p) => {
          previews.push(p);
          ready();
        },
      },
    };
  }

  async function gate(approver: Approver) {
    const file = path.join(base, 'config.toml');
    fs.writeFileSync(file, '[permissions]\nrequire_approval = ["head *", "od *", "echo *", "curl *", "systemctl *", "v=*"]\n');
    const config = loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } });
    const policy = await PolicyEngine.create({ config });
    return new Gate({
      cwd: '/',
      policy: async () => policy,
      executor: new Executor({ env }),
      approver,
      commandLog: history,
      emit: (name, payload) => events.push([name, payload]),
      approvalTimeoutMs: 30_000,
      commandTimeoutMs: 30_000,
      transactions: tx,
      preview: previewerFor(PreviewConfigSchema.parse({ paths: [machine], time_limit_s: 20 }), env, undefined, undefined, [tx.store.root]),
    });
  }
  const command = (text: string, callId: string) => ({
    kind: 'command' as const,
    command: text,
    cwd: path.join(machine, 'home/me/project'),
    callId,
    turnId: null,
    signal: new AbortController().signal,
  });
  /** The line the preview saw appended to app.conf (its diff). */
  const previewedLine = (p: Preview | undefined) =>
    p?.changes
      .find((c) => c.path === conf)
      ?.diff?.split('\n')
      .find((l) => l.startsWith('+') && !l.startsWith('+++'))
      ?.slice(1);
  const card = () =>
    events
      .filter(([n]) => n === 'chat.commandDone')
      .map(([, p]) => p as Record<string, unknown>)
      .pop();
  // Once the spent runs are removed (after the answer): a transaction's container files are on tmpfs too.
  const scratchLeft = async () => {
    await spentRunsRemoved();
    return fs.readdirSync('/dev/shm').filter((n) => n.startsWith(`aios-preview-${process.pid}-`));
  };

  it('lands exactly what the preview did (it ran once), says so on the card, and undoes to byte-identical', async () => {
    const h0 = treeHash(machine);
    const before = fs.readFileSync(conf, 'utf8');
    const a = approverAfterPreview();
    const r = await (await gate(a.approver)).pass(command(`echo shown; head -c8 /dev/urandom | od -An -x >> ${conf}`, 'c1'));
    const seen = previewedLine(a.previews[0]);
    expect(seen).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(runs[0]?.previewNotReused).toBeUndefined();
    expect(runs[0]?.ranInPreview).toBe(true);
    expect(fs.readFileSync(conf, 'utf8')).toBe(`${before}${seen}\n`);
    expect(r.result?.output).toContain('[aios] it ran once, in the preview');
    // The card: the preview's output, then the line saying it ran once, in the preview.
    const shown = events
      .filter(([n]) => n === 'chat.commandOutput')
      .map(([, p]) => (p as { data: string }).data)
      .join('');
    expect(shown).toBe('shown\n\n[aios] it ran once, in the preview (approved after it): this is its output\n');
    expect(r.result?.output).toContain('[aios] transaction: 1 changed (it can be undone: /undo)');
    const undo = card()?.undo as { recordId: string } | undefined;
    expect(undo?.recordId).toEqual(expect.any(String));
    // The preview's upper layers are gone once it landed (removed off the event loop: waited for here).
    await spentRunsRemoved();
    expect(await scratchLeft()).toEqual([]);
    // The history keeps its effects, as for any transaction.
    expect(history.query({ changed: path.join(machine, 'etc') })[0]?.effects?.paths).toEqual([`changed ${conf}`]);
    undoRecord(tx.store, undo!.recordId);
    expect(treeHash(machine)).toEqual(h0);
  });

  it('a file changed while the question was open is a conflict: refused, named, and nothing of it landed', async () => {
    const added = path.join(machine, 'etc/app/added.txt');
    const a = approverAfterPreview(() => fs.appendFileSync(conf, 'edited meanwhile\n'));
    const before = fs.readFileSync(conf, 'utf8');
    const r = await (
      await gate(a.approver)
    ).pass(command(`v=$(head -c8 /dev/urandom | od -An -x); echo "$v" > ${added}; echo "$v" >> ${conf}`, 'c2'));
    expect(previewedLine(a.previews[0])).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(runs[0]?.ranInPreview).toBe(true);
    expect(runs[0]?.notApplied).toMatch(/^not applied: changed underneath since the preview ran \(while the approval was open\): /);
    expect(runs[0]?.notApplied).toContain(conf);
    expect(r.result?.output).toContain(conf);
    expect(fs.readFileSync(conf, 'utf8')).toBe(`${before}edited meanwhile\n`);
    expect(fs.existsSync(added)).toBe(false);
    expect(card()?.undo).toBeUndefined();
  });

  it('a command the preview could not see whole (the network) runs again as a transaction, and says why', async () => {
    const a = approverAfterPreview();
    await (await gate(a.approver)).pass(command(`curl --version >/dev/null 2>&1; head -c8 /dev/urandom | od -An -x >> ${conf}`, 'c3'));
    const seen = previewedLine(a.previews[0]);
    expect(seen).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(runs[0]?.ranInPreview).toBeFalsy();
    expect(runs[0]?.previewNotReused).toMatch(/^the preview could not see everything: the network was off in the preview/);
    const landed = fs.readFileSync(conf, 'utf8').trimEnd().split('\n').pop();
    expect(landed).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(landed).not.toBe(seen);
    expect(card()?.undo).toBeDefined();
    expect(await scratchLeft()).toEqual([]);
  });

  it('a command in the outside-world table runs outside transactions, as before: a second run, no preview kept', async () => {
    const a = approverAfterPreview();
    const r = await (
      await gate(a.approver)
    ).pass(command(`systemctl --user kill nothing-here 2>/dev/null; head -c8 /dev/urandom | od -An -x >> ${conf}`, 'c4'));
    expect(a.asked[0]?.reasons.join('\n')).toContain('cannot be undone');
    const seen = previewedLine(a.previews[0]);
    expect(seen).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(runs).toEqual([]);
    expect(r.ran).toBe(true);
    const landed = fs.readFileSync(conf, 'utf8').trimEnd().split('\n').pop();
    expect(landed).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(landed).not.toBe(seen);
    expect(await scratchLeft()).toEqual([]);
  });

  it('a preview over more folders than the transaction, which wrote outside its folders, is not taken: it runs again', async () => {
    // The transaction overlays only etc and the home: what the preview wrote in usr a transaction could not write.
    tx = new Transactions(
      TransactionsConfigSchema.parse({
        enabled: true,
        paths: [path.join(machine, 'etc'), path.join(machine, 'home')],
        state_dir: path.join(base, 'state'),
      }),
      { env, protect: {} },
    );
    runs = recordRuns(tx);
    const a = approverAfterPreview();
    const tool = path.join(machine, 'usr/bin/tool');
    const before = fs.readFileSync(tool, 'utf8');
    await (await gate(a.approver)).pass(command(`head -c8 /dev/urandom | od -An -x >> ${conf}; echo more >> ${tool}`, 'c6'));
    expect(previewedLine(a.previews[0])).toMatch(/^( [0-9a-f]{4}){4}$/);
    expect(runs[0]?.ranInPreview).toBeFalsy();
    expect(runs[0]?.previewNotReused).toBe(`it wrote where a transaction could not (${tool})`);
    // It ran again: usr is read-only in this transaction, so the tool is as it was.
    expect(fs.readFileSync(tool, 'utf8')).toBe(before);
    expect(fs.readFileSync(conf, 'utf8').trimEnd().split('\n').pop()).not.toBe(previewedLine(a.previews[0]));
    expect(await scratchLeft()).toEqual([]);
  });

  it('a declined question removes the kept preview', async () => {
    const previews: Preview[] = [];
    let ready: () => void = () => undefined;
    const got = new Promise<void>((resolve) => (ready = resolve));
    const before = fs.readFileSync(conf, 'utf8');
    await (
      await gate({
        approve: async () => (await got, 'denied'),
        previewReady: (_id, p) => (previews.push(p), ready()),
      })
    ).pass(command(`head -c8 /dev/urandom | od -An -x >> ${conf}`, 'c5'));
    expect(previews).toHaveLength(1);
    expect(fs.readFileSync(conf, 'utf8')).toBe(before);
    // Removed off the event loop (release no longer holds it): waited for here.
    await spentRunsRemoved();
    expect(await scratchLeft()).toEqual([]);
  });
});
