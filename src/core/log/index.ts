export { describeLogs, type LogDescription } from './describe';
export {
  DEFAULT_KEEP,
  DEFAULT_MAX_BYTES,
  LOG_FILE_NAME,
  RotatingFileLogger,
  type LogLevel,
  type Logger,
  type RotatingLogOptions,
} from './rotating-log';
