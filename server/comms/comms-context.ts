import type { CommsBridge } from '../bridge/bridge-context.ts';
import type { Logger } from '../logger.ts';
import type { CommsStorage } from './comms-storage.ts';
import type { CommsChanges } from './comms-writes.ts';

export interface CommsSettings {
  /** Seconds before an unacknowledged emergency goes to the next channel. */
  emergencyEscalateAfterS: number;
  /** The same for other messages that ask for an acknowledgement. */
  ackEscalateAfterS: number;
  /** Automatic messages wait for this long without further changes before they are composed (ms). */
  notifyQuietMs: number;
  /** …and at most this long after the first change of their batch (ms). */
  notifyMaxDelayMs: number;
  /** How often escalations and jobs are looked at (ms). */
  tickMs: number;
  /** The outbox's attempts before a send is dead-lettered (a send failing for the last time is recorded as failed). */
  outboxMaxAttempts: number;
  /** Days to keep finished jobs, send records and closed watches. @default 30 (RETENTION_DAYS) */
  retentionDays?: number;
}

export interface CommsDeps {
  /** Comms' stores, on SQLite (sqliteCommsStorage) or PostgreSQL (postgresCommsStorage). */
  storage: CommsStorage;
  bridge: CommsBridge;
  logger: Logger;
  settings: CommsSettings;
  /** The server's public URL, for acknowledgement links. */
  publicUrl: () => string;
}

/**
 * What each part of the communication bridge receives: its dependencies, the bridge's clock (ms),
 * and where it changes documents with the comms rows that must commit with them.
 */
export interface CommsContext extends CommsDeps {
  clock: () => number;
  changes: CommsChanges;
}

/** Transaction reasons of the server's own writes to `messages`. */
export const ORIGIN_REASONS = {
  delivery: 'comms.delivery',
  escalation: 'comms.escalation',
  ackLink: 'comms.ack-link',
  notify: 'comms.notify',
} as const;
