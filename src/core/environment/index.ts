export { buildCommandEnv, DEFAULT_SECRET_ENV_PATTERNS, MIN_REDACTED_LENGTH, type CommandEnv, type CommandEnvOptions } from './command-env';
export { SecretSet, StreamRedactor, REDACTED_MARKER } from './redact';
export { commandEnvironment, type CommandEnvironment } from './secrets-for';
