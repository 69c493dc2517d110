export { quietLaunch, probeQuietJail, type JailLaunch, type QuietConfinement } from './quiet';
export { approvedLaunch, type ApprovedLaunch, type ApprovedMode } from './approved';
export {
  jailSeccompProfile,
  seccompBpf,
  JailUnavailableError,
  JAIL_DENIED_SYSCALLS,
  CONTAINERS_PROFILE,
  type SeccompProfile,
} from './seccomp';
export { CLOSE_FDS, DEFAULT_TMP_BYTES } from './bwrap';
export { QUIET_LIMITS, type JailLimits } from './limits';
