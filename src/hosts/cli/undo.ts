/**
 * `aios undo`: a command's changes to files put back from its undo record
 * (see core/transaction), or the last undo redone.
 *
 *   aios undo [ID] [--redo] [--config FILE] [--json]
 *   aios undo --list [--config FILE] [--json]
 */
import { loadConfig } from '../../core/config/load';
import { listRecords, runUndo, type UndoOutcome } from '../../core/transaction/actions';
import { ROOT_STATE_DIR } from '../../core/transaction/hook';
import { UndoStore } from '../../core/transaction/store';
import { defaultHelperArgv, listThroughSudo, undoThroughSudo, type Recovered } from '../../core/transaction/sudo-client';
import { undoResultText } from '../../shared/undo-text';
import { formatBytes } from '../../core/preview/summary';
import { commandArgs } from './args';

const USAGE = `Usage:
  aios undo [ID] [--redo] [--config FILE] [--json]
  aios undo --list [--config FILE] [--json]

undo      put back what the newest command run as a transaction changed
          (or record ID): files, modes, owners, links, directories, byte for
          byte. Refused when a later command changed the same files (undo
          that first, newest first) or when they changed outside aios since.
--redo    redo what the newest undo (or undo record ID) undid
--list    the undo records, newest first
Exit code: 0 done, 1 refused, 2 usage error.`;

export async function run(args: string[]): Promise<number> {
  const parsed = commandArgs('undo', USAGE, {
    args,
    options: {
      redo: { type: 'boolean' },
      list: { type: 'boolean' },
      config: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 1 || (values.list && (positionals.length > 0 || values.redo))) {
    process.stderr.write(`aios undo: give one record ID at most, and --list alone\n\n${USAGE}\n`);
    return 2;
  }
  const loaded = loadConfig(values.config !== undefined ? { file: values.config } : {});
  const stateDir = loaded.config.transactions.state_dir ?? ROOT_STATE_DIR;
  // The records are root's: not root, aios asks its root helper through sudo -n.
  const asRoot = process.getuid?.() === 0;
  const store = new UndoStore(stateDir);
  const sayRecovered = (recovered: Recovered) => {
    for (const r of recovered)
      process.stderr.write(
        `aios undo: a commit was cut off by a crash; what it had changed can be undone: aios undo ${r.id} (${r.command})\n`,
      );
  };
  const given = loaded.config.transactions.state_dir ? { stateDir } : {};
  if (values.list) {
    let rows: ReturnType<typeof listRecords>;
    if (asRoot) {
      sayRecovered(store.recoverInterrupted());
      rows = listRecords(store);
    } else {
      const listed = listThroughSudo(defaultHelperArgv(), given.stateDir);
      if (!listed.ok) {
        process.stderr.write(`aios undo: cannot read the undo records: ${listed.why}\n`);
        return 1;
      }
      sayRecovered(listed.recovered);
      rows = listed.rows;
    }
    if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else if (rows.length === 0) process.stdout.write(`no undo records in ${store.root}\n`);
    else
      for (const r of rows)
        process.stdout.write(
          `${r.id}  ${r.createdAt}  ${r.undone ? '(undone) ' : ''}${r.kind === 'command' ? '' : `${r.kind}: `}${r.command}  [${r.summary}; ${formatBytes(r.bytes)}]\n`,
        );
    return 0;
  }
  const id = positionals[0]?.toUpperCase();
  const req = { ...(id ? { recordId: id } : {}), ...(values.redo ? { redo: true } : {}) };
  let out: UndoOutcome;
  if (asRoot) {
    sayRecovered(store.recoverInterrupted());
    out = runUndo(store, req);
  } else {
    const viaSudo = undoThroughSudo(defaultHelperArgv(), { ...req, ...given });
    sayRecovered(viaSudo.recovered);
    out = viaSudo;
  }
  const result = { ok: out.ok, message: out.message, recordId: out.record?.id ?? null, undoFirst: out.undoFirst };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${undoResultText(result).replace(/\/undo /g, 'aios undo ')}\n`);
  return out.ok ? 0 : 1;
}
