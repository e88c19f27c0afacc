import pino from 'pino';
import type { Config } from './config.ts';

export type Logger = pino.Logger;

/** JSON lines on stdout; credentials and tokens are redacted wherever they appear in a log object. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino({
    level: config.LOG_LEVEL,
    base: { service: 'wedsync-hub' },
    redact: {
      paths: ['token', '*.token', 'credentials', '*.credentials', 'authorization', '*.authorization', 'headers.authorization', 'secret', '*.secret'],
      censor: '[redacted]',
    },
  }, destination);
}
