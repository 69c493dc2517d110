import type { Decision } from '../../shared/policy';
import type { Preview } from '../../shared/preview';
import { discardKept, type AnyKeptPreview, type PreviewViaHelper } from '../preview';
import type { Previewer } from '../preview/previewer';

/**
 * The preview step: what a command would change, seen in a throwaway overlay.
 * Never for a denied command. A question does not wait for it: it is asked
 * at once and the preview fills in; an answer first abandons it.
 */
export class PreviewStep {
  /** Made only when the previewer asks for its signal: most commands (auto-allowed, denied) get no preview at all. */
  private abort: AbortController | undefined;
  private readonly run: Promise<Preview | null> | null;
  private readonly onCancel = () => this.abort?.abort();
  /** The preview, once it is in. */
  seen: Preview | undefined;
  /** A finished run's upper layers, kept while the question is open (asked for with `keep`): the transaction may commit them. */
  private kept: AnyKeptPreview | undefined;

  constructor(
    previewer: Previewer | undefined,
    req: { command: string; cwd: string; decision: Decision; keep?: boolean; viaHelper?: PreviewViaHelper },
    private readonly signal: AbortSignal,
  ) {
    const { keep, viaHelper, ...ask } = req;
    const controller = () => (this.abort ??= new AbortController());
    this.run =
      req.decision === 'deny' || !previewer
        ? null
        : (previewer({
            ...ask,
            get signal() {
              return controller().signal;
            },
            ...(keep ? { keep: (k: AnyKeptPreview) => (this.kept = k), ...(viaHelper ? { viaHelper } : {}) } : {}),
          }) ?? null);
    // A cancelled turn stops a running preview; with none running there is nothing to listen for.
    if (this.run) signal.addEventListener('abort', this.onCancel, { once: true });
  }

  /** The kept run, handed over (the taker removes it); undefined when none was kept or it is already gone. */
  take(): AnyKeptPreview | undefined {
    const k = this.kept;
    this.kept = undefined;
    return k;
  }

  /** The question is settled and nothing took the kept run: its upper layers go, off the event loop (or the root helper drops them). */
  release(): void {
    const k = this.take();
    if (k) void discardKept(k);
  }

  /** A preview runs (or ran) for this command. */
  get pending(): boolean {
    return this.run !== null;
  }

  /** Waits for the preview: for a command that runs without a question, it is shown before it runs. */
  async wait(): Promise<void> {
    if (this.run) this.seen = (await this.run.catch(() => null)) ?? undefined;
  }

  /** Calls `ready` when the preview comes in while `open()` still holds (the question is not answered). */
  whenReady(open: () => boolean, ready: (p: Preview) => void): void {
    void this.run?.then(
      (p) => {
        if (!p || !open()) return;
        this.seen = p;
        ready(p);
      },
      () => undefined,
    );
  }

  /** Answered before the preview ended: stop it, and wait until its processes are gone before anything runs. */
  async abandon(): Promise<void> {
    if (!this.run || this.seen) return;
    this.abort?.abort();
    await this.run.catch(() => null);
  }

  /** The command is settled (runs or is refused): a later cancel no longer concerns the preview. */
  done(): void {
    this.signal.removeEventListener('abort', this.onCancel);
  }
}
