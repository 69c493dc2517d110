export {
  Executor,
  DEFAULT_FULL_OUTPUT_MAX,
  DEFAULT_MODEL_OUTPUT_MAX,
  type ExecutorOptions,
  type RunOptions,
  type RunResult,
} from './executor';
export { capHeadTail } from './cap';
export { Sandbox, confinementFor, type Confinement, type SandboxOptions, type SandboxStatus } from './sandbox';
