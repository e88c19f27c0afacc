import { clipText } from '../../schema/index.ts';
import { BUSY_CATEGORIES, isBusySource, type BusySource } from '../../adapters/core/busy-source.ts';
import type { CalendarBridge } from '../bridge/bridge-context.ts';
import type { LiveIntegration } from '../bridge/integration-registry.ts';
import type { Logger } from '../logger.ts';
import type { BusyRecords, BusyRefresh } from './busy-blocks.ts';

const DAY = 86_400_000;

/** A connected calendar's binding whose busy times count for a vendor. */
interface CalendarBinding { live: LiveIntegration; vendorId: string }

export interface BusyTimesDeps {
  /** Where the blocks are kept (busy-blocks.ts: either backend). */
  records: BusyRecords;
  bridge: CalendarBridge;
  logger: Logger;
  now: () => number;
}

/**
 * Busy times of vendors' connected calendars and booking tools (BUSY_CATEGORIES; table `calendar_busy`, one row set per binding, read
 * by the overlap checks). A calendar is read once per refresh however many weddings it is bound to:
 * busy blocks exclude every event WedSync wrote (any wedding's), so one read serves each binding,
 * and it goes through the connection's account-level adapter, so idle bindings build no client
 * of their own (docs/calendar.md, docs/connections.md).
 */
export class BusyTimes {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: BusyTimesDeps) {}

  /** When the binding's busy times were last read (ms since epoch) and the error of that read, if any. */
  lastRefresh(integrationId: string): Promise<BusyRefresh | undefined> {
    return this.deps.records.lastRefresh(integrationId);
  }

  /**
   * Reads the calendars (of `vendorId`, or all) whose busy times are older than `maxAgeMs`, between
   * a day ago (or `from`, if later) and `to` (ms since epoch, UTC), one read per calendar at a time.
   * Resolves with the vendors whose busy times were read. A failed read is recorded on each binding
   * (`lastRefresh(id).error`) and logged; it never rejects.
   */
  async refresh(vendorId: string | undefined, maxAgeMs: number, from: number, to: number): Promise<Set<string>> {
    const vendors = new Set<string>();
    const now = this.deps.now();
    const byCalendar = new Map<string, CalendarBinding[]>();
    for (const b of this.calendars(vendorId)) {
      const last = await this.lastRefresh(b.live.integration.id);
      if (last && now - last.refreshedAt < maxAgeMs) continue;
      const key = b.live.integration.connectionId;
      (byCalendar.get(key) ?? byCalendar.set(key, []).get(key)!).push(b);
    }
    await Promise.all([...byCalendar].map(([connectionId, bindings]) => {
      let running = this.running.get(connectionId);
      if (!running) {
        running = this.read(connectionId, bindings, Math.max(from, now - DAY), to).finally(() => this.running.delete(connectionId));
        this.running.set(connectionId, running);
      }
      return running.then(() => { for (const b of bindings) vendors.add(b.vendorId); });
    }));
    return vendors;
  }

  /** Resolves when every running read has ended. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Calendar bindings with a vendor (the binding's vendor entry, or the calendar's `vendorId`
   * setting), found from stored settings: no adapter is built to find them.
   */
  private calendars(vendorId: string | undefined): CalendarBinding[] {
    const out: CalendarBinding[] = [];
    for (const live of this.deps.bridge.registry.all()) {
      const i = live.integration;
      if (!BUSY_CATEGORIES.has(live.definition.category) || i.status !== 'active' || i.runMode !== 'in_process') continue;
      const configured = i.configuration.vendorId;
      const v = i.vendorId ?? (typeof configured === 'string' && configured ? configured : null);
      if (!v || (vendorId && v !== vendorId)) continue;
      out.push({ live, vendorId: v });
    }
    return out;
  }

  /** The adapter that reads the calendar: the connection's own when it serves many weddings, else the binding's. */
  private readerOf(connectionId: string, binding: LiveIntegration): BusySource | null {
    const connection = this.deps.bridge.runtime.get(connectionId);
    const adapter = connection?.routes ? connection.adapter : binding.adapter;
    return isBusySource(adapter) ? adapter : null;
  }

  private async read(connectionId: string, bindings: CalendarBinding[], from: number, to: number): Promise<void> {
    const ids = bindings.map((b) => b.live.integration.id);
    try {
      const reader = this.readerOf(connectionId, bindings[0]!.live);
      if (!reader) return;
      const blocks = await reader.busy({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      await this.deps.records.replace(
        bindings.map(({ live, vendorId }) => ({ integrationId: live.integration.id, vendorId })),
        blocks.map((b) => ({ externalId: b.externalId, startMs: Date.parse(b.start), endMs: Date.parse(b.end), title: b.title ?? null })),
        this.deps.now(),
      );
    } catch (error) {
      this.deps.logger.info({ err: error, connectionId, integrationIds: ids }, 'busy times not read');
      await this.deps.records.failed(ids, this.deps.now(), clipText((error as Error).message, 300))
        .catch((e: unknown) => this.deps.logger.warn({ err: e, integrationIds: ids }, 'could not record a failed read of busy times'));
    }
  }
}
