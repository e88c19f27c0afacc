import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../server/logger.ts';

/** A server logger (level info) whose JSON lines are kept, parsed, in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); done(); } });
  return { logger: createLogger({ LOG_LEVEL: 'info' }, sink), lines };
}
