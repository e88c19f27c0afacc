import type { Config } from '../config.ts';
import type { BridgeSettings } from './bridge-deps.ts';
import { parseSchedule } from './retry-policy.ts';

/** The bridge's settings from the server's configuration (docs/configuration.md); `publicUrl` is read when needed (PORT 0 is known once listening). */
export function bridgeSettingsFrom(config: Config, publicUrl: () => string): BridgeSettings {
  return {
    get publicUrl() { return publicUrl(); },
    retryScheduleMs: parseSchedule(config.RETRY_SCHEDULE_MS),
    outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    inboxMaxAttempts: config.INBOX_MAX_ATTEMPTS,
    breakerThreshold: config.BREAKER_THRESHOLD,
    breakerCooldownMs: config.BREAKER_COOLDOWN_MS,
    breakerMaxCooldownMs: config.BREAKER_MAX_COOLDOWN_MS,
    pullIntervalMs: config.PULL_INTERVAL_MS,
    safetyPullIntervalMs: config.SAFETY_PULL_INTERVAL_MS,
    // Half the socket pool at most for scheduled pulls: a webhook's pull finds a free socket.
    scheduledPullConcurrency: Math.max(1, Math.floor(config.OUTBOUND_MAX_SOCKETS_PER_ORIGIN / 2)),
    coalesceMs: config.PUSH_COALESCE_MS,
    webhookPacingLagMs: config.WEBHOOK_PACING_LAG_MS,
    retention: { processedDays: config.RETENTION_DAYS, auditDays: config.AUDIT_RETENTION_DAYS },
  };
}
