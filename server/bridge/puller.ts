import crypto from 'node:crypto';
import { canPull, toAdapterError } from '../../adapters/core/index.ts';
import type { AuditLog } from './audit-log.ts';
import { ListingCollector, absentDeletions } from './full-resync.ts';
import type { InboxStore } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { IntegrationStore } from './integration-store.ts';
import type { LinkStore } from './link-store.ts';
import { clipText } from '../../schema/document/text.ts';

export interface PullerDeps {
  inbox: InboxStore;
  integrations: IntegrationStore;
  links: LinkStore;
  audit: AuditLog;
  now: () => number;
  /** The inbox has new rows for the wedding. */
  kick(weddingId: string): void;
}

/**
 * Scheduled and requested pulls: every page goes to the inbox (the same path as webhooks), the
 * cursor is saved with the last page once it is applied. One pull per integration at a time; a
 * full read asked for while an incremental one runs follows it rather than being dropped. A cursor
 * the system refuses (AdapterError `gone`: Google 410, Graph 410, CalDAV valid-sync-token) turns
 * the pull into a full read, and a full read that the adapter declares exhaustive
 * (`PullPage.listing`) carries what it listed to the last page, where deletions are reconciled
 * (full-resync.ts).
 */
export class Puller {
  private readonly running = new Map<string, { full: boolean; run: Promise<number[]> }>();
  private readonly lastPull = new Map<string, number>();

  constructor(private readonly deps: PullerDeps) {}

  /** When the integration was last pulled (ms), 0 if never. */
  lastPulledAt(integrationId: string): number {
    return this.lastPull.get(integrationId) ?? 0;
  }

  /** Pulls every page into the inbox; resolves with the inbox row ids. */
  pull(live: LiveIntegration, full: boolean): Promise<number[]> {
    const id = live.integration.id;
    const current = this.running.get(id);
    if (current && (current.full || !full)) return current.run;
    const run = (current ? current.run.catch(() => []).then(async (earlier) => [...earlier, ...await this.pages(live, full)]) : this.pages(live, full))
      .finally(() => { if (this.running.get(id)?.run === run) this.running.delete(id); });
    this.running.set(id, { full, run });
    run.catch(() => undefined);
    return run;
  }

  /** Resolves when every running pull has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.run));
  }

  private async pages(live: LiveIntegration, full: boolean): Promise<number[]> {
    const { adapter, integration } = live;
    if (!canPull(adapter)) return [];
    this.lastPull.set(integration.id, this.deps.now());
    const ids: number[] = [];
    let cursor = full ? null : integration.cursor;
    let fullRead = full || cursor === null;
    // Link rows are stamped with the wall clock (LinkStore.save), so the listing is too.
    let listing = fullRead ? new ListingCollector(new Date().toISOString()) : null;
    const audit = (action: string, result: 'ok' | 'failed' | 'skipped', detail: Record<string, unknown>) =>
      this.deps.audit.record({ weddingId: integration.weddingId, integrationId: integration.id, actor: `integration:${integration.id}`, action, result, detail });
    for (let page = 0; page < 10_000; page++) {
      let result;
      try {
        result = await adapter.pull({ cursor, full: fullRead });
      } catch (caught) {
        const error = toAdapterError(caught, integration.system);
        // A refused cursor (expired sync token, invalid delta link) means: read everything again.
        if (error.code === 'gone' && !fullRead) {
          audit('pull.resync', 'ok', { reason: clipText(error.message, 200) });
          cursor = null;
          fullRead = true;
          listing = new ListingCollector(new Date().toISOString());
          page = -1;
          continue;
        }
        audit('pull.failed', 'failed', { code: error.code, message: clipText(error.message, 300) });
        this.deps.integrations.update(integration.id, { last_error: clipText(`pull: ${error.message}`, 500), last_error_at: new Date(this.deps.now()).toISOString() });
        throw error;
      }
      // Records read and ignored that deserve a person's attention (a refund of a payment no wedding knows).
      for (const notice of result.notices ?? []) audit('pull.ignored', 'skipped', { reason: clipText(notice, 300) });
      listing?.add(result);
      const resync = !result.more ? listing?.result() ?? null : null;
      if (resync?.window && adapter.confirmAbsent) {
        // A windowed listing misses what moved out of the window as well as what was deleted: ask.
        const candidates = absentDeletions(resync, this.deps.links.listFor(integration.id, resync.entity)).map((c) => (c.op === 'delete' ? c.externalId : ''));
        const gone = new Set(candidates.length ? await adapter.confirmAbsent(resync.entity, candidates) : []);
        resync.listed.push(...candidates.filter((id) => !gone.has(id)));
      } else if (resync?.window) {
        resync.listed.push(...this.deps.links.listFor(integration.id, resync.entity).flatMap((l) => (l.externalId ? [l.externalId] : [])));
      }
      const payload: ChangesPayload = { changes: result.changes, ...(result.more ? {} : { cursorAfter: result.cursor }), ...(resync ? { resync } : {}) };
      const id = this.deps.inbox.add({ integrationId: integration.id, weddingId: integration.weddingId, eventId: `pull_${crypto.randomUUID()}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: this.deps.now() });
      if (id !== null) ids.push(id);
      cursor = result.cursor;
      if (!result.more) break;
    }
    this.deps.kick(integration.weddingId);
    return ids;
  }
}
