import { clipText, type BindingSummary, type ConnectionSummary } from '../../schema/index.ts';
import type { FailedPush } from './audit-log.ts';
import type { BreakerState } from './integration-store.ts';
import type { Connection } from './connection-store.ts';
import { connectionName, systemNameOf } from './system-name.ts';

/** What a connection's health is read from: its bindings' queues and breakers. */
export interface ConnectionHealthInputs {
  bindings: BindingSummary[];
  servesManyWeddings: boolean;
  webhookUrl: string;
  /** Per binding. */
  breakers: BreakerState[];
  outbox: { pending: number; dead: number };
  inbox: { pending: number; parked: number };
  /** Bindings whose records are held for want of a vendor (parked inbox rows with VENDOR_NEEDED). */
  vendorNeeded: ConnectionSummary['health']['vendorNeeded'];
  unmatchedOpen: number;
  /** The most recent error of the connection or any binding. */
  lastError: { at: string; message: string } | null;
  lastSync: string | null;
  /** Bindings whose newest push attempt failed (it is being retried, or was dead-lettered). */
  pushFailing: number;
  /** Bindings whose system refused each of its last REFUSED_IN_A_ROW pushes for good (`refusesEverything`). */
  pushRefused: number;
  /** Why a binding's newest parked record (other than for want of a vendor) was parked, or null. */
  parkedError: string | null;
}

const WORST: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** How many pushes in a row, each refused for good and none delivered since, make a binding "failing". */
export const REFUSED_IN_A_ROW = 3;

/**
 * Whether a binding's system refuses everything sent to it: its last REFUSED_IN_A_ROW push attempts
 * (AuditRecords.failedPushes, newest first) were each refused for good (a 4xx other than 401/403/429;
 * dead-lettered at once, so the breaker, which counts failures worth retrying, never opens). A
 * calendar deleted at the provider (404) or an API that rejects every body (400) is not syncing at all.
 */
export function refusesEverything(failed: readonly FailedPush[]): boolean {
  return failed.length >= REFUSED_IN_A_ROW && failed.slice(0, REFUSED_IN_A_ROW).every((f) => f.refused);
}

/**
 * A connection as GET /api/workspaces/:id/connections shows it, with its health in plain words:
 * what is wrong and what a person does about it.
 */
export function connectionSummary(c: Connection, h: ConnectionHealthInputs): ConnectionSummary {
  const name = connectionName(c);
  const vendorOnly = h.vendorNeeded.reduce((n, v) => n + v.held, 0) === h.inbox.parked;
  const breaker = h.breakers.reduce<BreakerState>((worst, b) => (WORST[b] > WORST[worst] ? b : worst), 'closed');
  let state: ConnectionSummary['health']['state'] = 'healthy';
  let attention: string | null = null;
  if (c.status === 'needs_attention') {
    state = 'needs_attention';
    attention = `${name} refused the saved sign-in (${h.lastError?.message ?? 'credentials refused'}). Reconnect the account: nothing is sent or fetched until then.`;
  } else if (c.status !== 'active' || breaker === 'open' || h.pushRefused > 0) {
    state = 'failing';
    const last = h.lastError ? ` (last error: ${h.lastError.message})` : '';
    const some = h.pushRefused < h.bindings.length ? ` for ${h.pushRefused} of its ${h.bindings.length} weddings` : '';
    attention = c.status !== 'active' ? `The connection is ${c.status}${h.lastError ? `: ${h.lastError.message}` : ''}.`
      : breaker === 'open' ? `${name} keeps failing, so deliveries are paused and retried later${last}.`
        : `${name} refused the last ${REFUSED_IN_A_ROW} changes sent to it${some}${last}, so nothing is reaching it. Fix the cause there or on the connection, then replay them from the dead letters.`;
  } else if (h.outbox.dead > 0 || h.inbox.parked > 0 || breaker === 'half_open' || h.pushFailing > 0) {
    state = 'degraded';
    attention = [
      h.outbox.dead ? `${h.outbox.dead} change${h.outbox.dead === 1 ? '' : 's'} could not be delivered: replay them from the dead letters once the cause is fixed.` : '',
      h.inbox.parked ? `${h.inbox.parked} incoming change${h.inbox.parked === 1 ? '' : 's'} could not be applied: ${vendorOnly ? `${name} did not say which vendor ${h.inbox.parked === 1 ? 'it is' : 'they are'} for; choose the vendor on the wedding's binding` : `${h.parkedError ? `the newest was refused with "${clipText(h.parkedError, 200)}"` : 'the last problem says why'}; fix it (on the connection or the wedding's binding)`}, then send or import the record again.` : '',
      breaker === 'half_open' ? `${name} is recovering: deliveries are being tried again.` : '',
      // (One dead-lettered instead of retried is said by the dead letters' sentence.)
      h.pushFailing && breaker !== 'half_open' && (h.outbox.pending > 0 || !h.outbox.dead)
        ? `${name} refused or missed the latest deliveries${h.outbox.pending ? `; they are retried (${h.outbox.pending} waiting)` : ''}.` : '',
    ].filter(Boolean).join(' ');
  }
  if (h.unmatchedOpen > 0) attention = [attention, `${h.unmatchedOpen === 1 ? '1 record waits' : `${h.unmatchedOpen} records wait`} in the unmatched queue for a wedding.`].filter(Boolean).join(' ');
  return {
    connectionId: c.id, workspaceId: c.workspaceId, system: c.system, category: c.category, label: c.label, name, systemName: systemNameOf(c.system, c.configuration),
    status: c.status, capabilities: c.capabilities,
    servesManyWeddings: h.servesManyWeddings, webhookUrl: h.webhookUrl, configuration: c.configurationView,
    autoCreateWeddings: c.autoCreateWeddings, autoMatchConfidence: c.autoMatchConfidence, createdAt: c.createdAt, createdBy: c.createdBy, remoteId: c.remoteId, remoteName: c.remoteName,
    bindings: h.bindings,
    health: { state, attention, lastSync: h.lastSync, lastError: h.lastError, breaker, unmatchedOpen: h.unmatchedOpen, outbox: h.outbox, inbox: h.inbox, vendorNeeded: h.vendorNeeded },
  };
}
