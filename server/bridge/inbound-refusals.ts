import { clipText } from '../../schema/document/text.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditWriter } from './audit-log.ts';
import type { ApplyOutcome } from './inbound-applier.ts';
import type { InboxRow } from './inbox-store.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { IntegrationStore } from './integration-store.ts';

/**
 * Makes the changes an integration was refused visible (server/auth/inbound-rights.ts): one audit
 * row each (`inbound.refused`, result `refused`, with the reason and the connector), the
 * `wedsync_inbound_refused_total` counter, the integration's last error (shown in its status) and
 * one log line per inbox row. Nothing of a refused change reaches the wedding.
 */
export function recordRefusals(
  deps: { audit: AuditWriter; metrics: Metrics; logger: Logger; integrations: Pick<IntegrationStore, 'update'>; now: () => number },
  live: LiveIntegration, row: InboxRow, outcome: ApplyOutcome,
): void {
  const { integration } = live;
  const connector = { sub: integration.connector.sub, role: integration.connector.role, vendorId: integration.connector.vendorId };
  const refused = outcome.details.filter((d) => d.result === 'refused');
  for (const d of refused) {
    deps.audit.record({
      weddingId: row.weddingId, integrationId: integration.id, actor: `integration:${integration.id}`, action: 'inbound.refused',
      entity: d.entity, entityId: d.entityId, result: 'refused',
      detail: { inboxId: row.id, eventId: row.eventId, op: d.op, reason: d.reason, message: clipText(d.message ?? '', 300), connector },
    });
    deps.metrics.inboundRefused.inc({ system: integration.system, entity: d.entity ?? 'none', reason: d.reason ?? 'unknown' });
  }
  const first = refused[0];
  const message = clipText(`refused ${refused.length} change(s) outside the rights of the ${connector.role} who connected it: ${first?.message ?? ''}`, 500);
  const at = new Date(deps.now()).toISOString();
  deps.integrations.update(integration.id, { last_error: message, last_error_at: at });
  integration.lastError = message;
  integration.lastErrorAt = at;
  deps.logger.info({ integrationId: integration.id, inboxId: row.id, refused: refused.length, reasons: [...new Set(refused.map((d) => d.reason))] }, 'inbound changes refused');
}
