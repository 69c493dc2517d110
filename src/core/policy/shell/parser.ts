import fs from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Language, Parser, type Tree } from 'web-tree-sitter';

/**
 * The bash grammar (tree-sitter-bash) running in web-tree-sitter. Both wasm
 * files come from node_modules, resolved with createRequire so the paths stay
 * right when this module is bundled into `out/main/*.js`; nothing is fetched.
 */
export class ParserLoadError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ParserLoadError';
  }
}

export interface BashParser {
  /** Parses one script. The caller must `delete()` the tree. */
  parse(text: string): Tree;
  /** Milliseconds the first load took (wasm init + grammar), for the benchmark. */
  readonly loadMs: number;
}

let loading: Promise<BashParser> | undefined;

/**
 * V8 flags that keep WebAssembly on its baseline compiler (Liftoff).
 *
 * Why: tree-sitter-bash's lexer is one 160 KB wasm function. V8's dynamic
 * tiering hands it to the optimizing compiler after about a hundred calls
 * (one parsed line is enough), and on Node 24 / V8 13.6 that single compile
 * takes 2–4 s of CPU and ~700 MB of compiler memory on a background thread.
 * A short command like `aios policy check` waits for it before it can exit
 * (3–4 s, 570 MB peak instead of 0.2 s, 60 MB), and a long-running host pays
 * the same spike once. Liftoff code parses a command line in tens of
 * microseconds, which is all the policy engine needs.
 *
 * The flags are read when a module is compiled, so they must be set before
 * the grammar is loaded. They are process-wide: any wasm compiled later in
 * this process (there is none other in aios besides Node's own small HTTP
 * parser) also stays on Liftoff. `--liftoff-only` itself is not honoured once
 * V8 is running; these two are. test/policy/parser-exit.test.ts checks the
 * effect on a real `aios policy check`.
 */
export const WASM_BASELINE_FLAGS = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'] as const;

function keepWasmOnBaselineCompiler(): void {
  for (const flag of WASM_BASELINE_FLAGS) v8.setFlagsFromString(flag);
}

async function load(): Promise<BashParser> {
  // hrtime, not performance.now(): the global `performance` loads Node's perf_hooks, a cost a short command feels.
  const started = process.hrtime.bigint();
  const require = createRequire(import.meta.url);
  let runtimeWasm: string;
  let grammarWasm: string;
  try {
    runtimeWasm = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    grammarWasm = require.resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  } catch (err) {
    throw new ParserLoadError('cannot find the bash grammar: web-tree-sitter and tree-sitter-bash must be installed in node_modules', err);
  }
  keepWasmOnBaselineCompiler();
  try {
    await Parser.init({
      locateFile: () => runtimeWasm,
      // Handing over the bytes keeps emscripten from trying fetch() on a path.
      wasmBinary: fs.readFileSync(runtimeWasm),
    });
    const language = await Language.load(fs.readFileSync(grammarWasm));
    const parser = new Parser();
    parser.setLanguage(language);
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    return {
      loadMs,
      parse(text: string): Tree {
        const tree = parser.parse(text);
        if (!tree) throw new Error('the bash parser returned no tree');
        return tree;
      },
    };
  } catch (err) {
    throw new ParserLoadError(`cannot load the bash grammar (${runtimeWasm}, ${grammarWasm}): ${(err as Error).message}`, err);
  }
}

/** The shared parser; the wasm is loaded once per process whatever the number of engines. */
export function getBashParser(): Promise<BashParser> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
