import crypto from 'node:crypto';
import type * as Y from 'yjs';
import {
  WeddingDoc, canOpenWedding, systemOrigin,
  type BusyBlock, type CalendarStatusSection, type Conflict, type Overlap, type OverlapSide,
} from '../../schema/index.ts';
import { isCalendarAdapter } from '../../adapters/core/calendar.ts';
import { AuthError, assertApiReader } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { CalendarBridge } from '../bridge/bridge-context.ts';
import type { WeddingDocuments } from '../collab/documents-anywhere.ts';
import type { Logger } from '../logger.ts';
import type { BookingRecords } from './booking-index.ts';
import type { EventVersions } from './event-versions.ts';
import { BusyTimes } from './busy-times.ts';
import type { BusyRecords } from './busy-blocks.ts';
import { CalendarFeeds } from './calendar-feeds.ts';
import type { BookingFollower, CalendarStorage } from './calendar-storage.ts';
import type { OverlapRecords, RecordedOverlap, VendorOverlapWrites } from './overlap-records.ts';
import type { Commitment, FoundOverlap } from './overlaps.ts';
import { VendorCommitments, type VendorOverlap } from './vendor-commitments.ts';
import { vendorIdentities, type VendorIdentityReads } from './vendor-identity.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { WeddingHosts } from './wedding-hosts.ts';
import { calendarReach, type CalendarReach } from './calendar-reach.ts';

export { CALENDAR_ERROR_CODES, CalendarError, type CalendarErrorCode } from './calendar-error.ts';

const DAY = 86_400_000;

export interface CalendarServiceOptions {
  /** How often connected calendars' busy times are read again. @default 300000 */
  busyRefreshMs?: number;
  /** Busy times older than this are read again before answering a conflicts/availability request. @default 30000 */
  busyMaxAgeMs?: number;
  /** How far ahead availability looks. @default 730 days */
  horizonDays?: number;
  /** How far back overlaps are still checked (and recorded ones kept). @default 30 days */
  lookbackDays?: number;
  /** Document changes within this window are checked for overlaps together. @default 20 */
  checkDelayMs?: number;
  /** REFRESH-INTERVAL / X-PUBLISHED-TTL of ICS feeds. @default 15 */
  feedRefreshMinutes?: number;
}

export interface CalendarServiceDeps {
  /**
   * The calendar's stores on one backend: sqliteCalendarStorage({ db, updates: bridge }) or
   * postgresCalendarStorage({ pool, persistence }) (calendar-storage.ts). The service follows
   * document updates through it (CalendarStorage.follow) and backfills the booking index of its
   * stored weddings at start.
   */
  storage: CalendarStorage;
  bridge: CalendarBridge;
  /**
   * Who joined which wedding as which vendor entry, and which workspace owns a wedding: the
   * business behind an entry id across weddings (vendor-identity.ts), and a check of the entry
   * whenever a vendor joins or leaves a wedding as it. The server's PeopleStore.
   */
  people: VendorIdentityReads & Pick<PeopleStore, 'onParticipantsChanged'>;
  /**
   * Document work across weddings (the double-booking check): in a cluster DocumentsAnywhere, which
   * reads a wedding another instance serves from storage and hands what it changes to that
   * instance. @default the bridge's (one server)
   */
  anywhere?: Pick<WeddingDocuments, 'withDocument'>;
  logger: Logger;
  /** The server's public URL, for feed links. */
  publicUrl: () => string;
  options?: CalendarServiceOptions;
}

/**
 * Calendar services around the bridge: ICS feeds (secret, revocable URLs with stable UIDs and
 * SEQUENCE), vendors' availability across weddings and their connected calendars, and
 * double-booking detection that records each new overlap as a conflict in the documents involved.
 */
export class CalendarService {
  /** Subscribable iCalendar feeds of weddings (calendar-feeds.ts). */
  readonly feeds: CalendarFeeds;
  readonly versions: EventVersions;
  /** Which vendor is booked when, across weddings (read through the storage's booking index). */
  readonly bookings: BookingRecords;
  private readonly busy: BusyTimes;
  private readonly busyRecords: BusyRecords;
  private readonly overlapRecords: OverlapRecords;
  private readonly hosts = new WeddingHosts();
  private readonly vendors: VendorCommitments;
  private readonly options: Required<CalendarServiceOptions>;
  private readonly dirty = new Set<string>();
  private checkTimer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly unfollow: () => void;

  constructor(private readonly deps: CalendarServiceDeps) {
    const { storage, bridge } = deps;
    this.versions = storage.versions;
    this.bookings = storage.bookings;
    this.busyRecords = storage.busy;
    this.overlapRecords = storage.overlaps;
    this.busy = new BusyTimes({ records: this.busyRecords, bridge, logger: deps.logger, now: () => this.now });
    this.vendors = new VendorCommitments({
      bookings: this.bookings, busyRecords: this.busyRecords, bridge, people: deps.people, hosts: this.hosts, anywhere: this.anywhere, logger: deps.logger,
    });
    this.options = {
      busyRefreshMs: 300_000, busyMaxAgeMs: 30_000, horizonDays: 730, lookbackDays: 30, checkDelayMs: 20, feedRefreshMinutes: 15, ...deps.options,
    };
    this.feeds = new CalendarFeeds({ store: storage.feeds, versions: this.versions, bridge, publicUrl: deps.publicUrl, now: () => this.now, refreshMinutes: this.options.feedRefreshMinutes });
    this.unfollow = storage.follow(this.follower);
    deps.people.onParticipantsChanged((c) => { if (c.vendorId) this.scheduleCheck([c.vendorId]); });
    bridge.registerStatusSection('calendar', (p, weddingId) => this.statusSection(p, weddingId));
    this.timers.push(setInterval(() => void this.refreshAllBusy().catch(() => undefined), this.options.busyRefreshMs));
    this.timers.push(setTimeout(() => void this.backfill(), 0));
    for (const t of this.timers) t.unref();
  }

  /** Where document work across weddings runs (CalendarServiceDeps.anywhere). */
  private get anywhere(): Pick<CalendarBridge, 'withDocument'> {
    return this.deps.anywhere ?? this.deps.bridge;
  }

  private get now(): number {
    return this.deps.bridge.clock();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unfollow();
    for (const t of this.timers) clearTimeout(t);
    if (this.checkTimer) clearTimeout(this.checkTimer);
    await this.checking;
    await this.busy.drain();
  }

  // ── bookings from document updates ────────────────────────────────────────────────────────────
  /** Told of each update by the storage (calendar-storage.ts): cheap, and never throws into its transaction. */
  private readonly follower: BookingFollower = {
    observe: (weddingId: string, doc: Y.Doc, tr: Y.Transaction) => this.hosts.onUpdate(weddingId, doc, tr),
    touched: (vendors: Set<string>) => this.scheduleCheck(vendors),
    failed: (weddingId: string, error: unknown) => this.deps.logger.error({ err: error, weddingId }, 'calendar booking index not updated'),
  };

  /** Indexes weddings stored before they were ever indexed (once; later changes arrive as updates). */
  private async backfill(): Promise<void> {
    // Recorded overlaps are checked again once at start: who stands behind an entry id may have
    // changed while the server was down (or under an earlier rule), and one that no longer holds is settled.
    try {
      this.scheduleCheck(await this.overlapRecords.vendorIds());
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'recorded overlaps could not be listed; they are checked at their vendor\'s next change');
    }
    let stored: string[];
    try {
      stored = await this.deps.storage.weddings.storedWeddingIds();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'stored weddings could not be listed; their bookings are indexed at their next update');
      return;
    }
    for (const weddingId of stored) {
      if (this.stopped) return;
      try {
        if (await this.bookings.isIndexed(weddingId)) continue;
        // The timeline is read inside withDocument (the live copy); the rows are written once it is read.
        const vendors = await this.deps.bridge.withDocument(weddingId, (doc) => this.bookings.indexWhole(weddingId, new WeddingDoc(doc)));
        if (vendors.size) this.scheduleCheck(vendors);
      } catch (error) {
        this.deps.logger.warn({ err: error, weddingId }, 'bookings of a stored wedding could not be indexed');
      }
    }
  }

  private scheduleCheck(vendorIds: Iterable<string>): void {
    for (const v of vendorIds) this.dirty.add(v);
    if (this.checkTimer || this.stopped) return;
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null;
      const vendors = [...this.dirty];
      this.dirty.clear();
      this.checking = this.checking.then(async () => {
        for (const v of vendors) {
          if (this.stopped) return;
          await this.checkVendor(v).catch((error) => this.deps.logger.warn({ err: error, vendorId: v }, 'overlap check failed'));
        }
      });
    }, this.options.checkDelayMs);
    this.checkTimer.unref();
  }

  // ── commitments and overlaps ──────────────────────────────────────────────────────────────────
  private window(): { from: number; to: number } {
    const now = this.now;
    return { from: now - this.options.lookbackDays * DAY, to: now + this.options.horizonDays * DAY };
  }

  /**
   * Finds the vendor's overlaps; records new ones as conflicts, settles the conflicts of ones that
   * are gone. One check per vendor at a time (OverlapRecords.exclusively: in process on SQLite,
   * across instances on PostgreSQL), so an overlap is never recorded twice.
   */
  checkVendor(vendorId: string): Promise<VendorOverlap[]> {
    return this.overlapRecords.exclusively(vendorId, (records) => this.checkVendorNow(vendorId, records));
  }

  private async checkVendorNow(vendorId: string, records: VendorOverlapWrites): Promise<VendorOverlap[]> {
    const { from, to } = this.window();
    const found = await this.vendors.overlaps(vendorId, from, to);
    const recorded = await records.recorded();
    const current = new Set(found.map((o) => o.key));
    for (const o of found) {
      if (recorded.has(o.key)) continue;
      const conflicts = await this.recordConflicts(o);
      await records.record({ key: o.key, vendorId, firstSeen: new Date(this.now).toISOString(), endMs: o.endMs, conflicts });
    }
    for (const r of recorded.values()) {
      if (current.has(r.key) || r.endMs < from) continue;
      await records.forget(r.key);
      await this.settleConflicts(r);
    }
    return found;
  }

  /** One pending conflict per wedding involved, on its event: proposing to take the vendor off it. */
  private async recordConflicts(o: FoundOverlap): Promise<RecordedOverlap['conflicts']> {
    const targets = new Map<string, string>();
    for (const side of [o.a, o.b].sort((x, y) => y.startMs - x.startMs)) {
      // Two events of one wedding: one conflict, on the one that starts later.
      if (side.kind === 'wedding' && !targets.has(side.weddingId)) targets.set(side.weddingId, side.eventId);
    }
    const other = (weddingId: string, eventId: string) => [o.a, o.b].find((s) => !(s.kind === 'wedding' && s.weddingId === weddingId && s.eventId === eventId)) ?? o.b;
    const out: RecordedOverlap['conflicts'] = [];
    for (const [weddingId, eventId] of targets) {
      const id = await this.anywhere.withDocument(weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        const e = w.getEvent(eventId);
        if (!e || !e.vendorIds.includes(o.vendorId)) return null;
        const at = new Date(this.now).toISOString();
        const conflict: Conflict = {
          id: `cf_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`, at, entity: 'timeline', entityId: eventId, field: 'vendorIds',
          localValue: e.vendorIds, remoteValue: e.vendorIds.filter((v) => v !== o.vendorId),
          source: other(weddingId, eventId).kind === 'calendar' ? 'availability:calendar' : 'availability:double-booking',
          integrationId: null, strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null,
        };
        w.appendConflict(conflict, systemOrigin('calendar-availability'));
        return conflict.id;
      });
      if (id) out.push({ weddingId, conflictId: id });
    }
    if (out.length) this.deps.logger.info({ vendorId: o.vendorId, overlap: o.key, conflicts: out }, 'double booking recorded');
    return out;
  }

  /** The overlap is gone (an event moved, the vendor was taken off): its pending conflicts are settled. */
  private async settleConflicts(r: RecordedOverlap): Promise<void> {
    for (const c of r.conflicts) {
      await this.anywhere.withDocument(c.weddingId, (ydoc) => {
        const w = new WeddingDoc(ydoc);
        const conflict = w.listConflicts().find((x) => x.id === c.conflictId);
        if (conflict?.status === 'pending') w.resolveConflict(c.conflictId, { winner: 'local', resolvedBy: 'system:overlap-cleared', at: new Date(this.now).toISOString() }, systemOrigin('calendar-availability'));
      }).catch((error) => this.deps.logger.warn({ err: error, ...c }, 'conflict of a cleared overlap not settled'));
    }
  }

  // ── busy times of connected calendars ────────────────────────────────────────────────────────
  /** Reads connected calendars whose busy times are older than `maxAgeMs` (busy-times.ts), then checks their vendors. */
  async refreshBusy(vendorId: string | undefined, maxAgeMs: number): Promise<void> {
    const { from, to } = this.window();
    const vendors = await this.busy.refresh(vendorId, maxAgeMs, from, to);
    for (const v of vendors) await this.checkVendor(v).catch(() => undefined);
  }

  private refreshAllBusy(): Promise<void> {
    return this.refreshBusy(undefined, this.options.busyRefreshMs / 2);
  }

  // ── API: conflicts, availability, status ─────────────────────────────────────────────────────
  private assertVendorVisible(p: Principal, vendorId: string): void {
    assertApiReader(p.role, 'calendar API');
    if (p.role === 'vendor' && p.vendorId !== vendorId) throw new AuthError('role_forbidden', "vendors see only their own calendar (the token's vendorId)");
  }

  private side(p: Principal, c: Commitment, reach: CalendarReach): OverlapSide {
    const start = new Date(c.startMs).toISOString();
    const end = new Date(c.endMs).toISOString();
    if (c.kind === 'wedding') {
      const open = canOpenWedding(p, c.weddingId);
      return { kind: 'wedding', weddingId: open ? c.weddingId : null, eventId: open ? c.eventId : null, title: open ? c.title : null, start, end };
    }
    // A vendor's own calendar is private: others learn only that the time is taken (calendar-reach.ts).
    const own = reach(c.integrationId) === 'own';
    return { kind: 'calendar', integrationId: own ? c.integrationId : null, system: c.system, title: own ? c.title : null, start, end };
  }

  /** Who sees which of the calendars among `commitments` (calendar-reach.ts). */
  private reach(p: Principal, vendorId: string, commitments: readonly Commitment[]): Promise<CalendarReach> {
    return calendarReach(this.deps.bridge.store, p, vendorId, commitments);
  }

  /** Overlaps `p` may see at all: none with a calendar left out of its reach. */
  private reachable(o: FoundOverlap, reach: CalendarReach): boolean {
    return [o.a, o.b].every((s) => s.kind !== 'calendar' || reach(s.integrationId) !== null);
  }

  private toOverlap(p: Principal, o: FoundOverlap, recorded: RecordedOverlap | undefined, reach: CalendarReach): Overlap {
    return {
      id: crypto.createHash('sha256').update(o.key).digest('base64url').slice(0, 16),
      vendorId: o.vendorId, start: new Date(o.startMs).toISOString(), end: new Date(o.endMs).toISOString(),
      a: this.side(p, o.a, reach), b: this.side(p, o.b, reach),
      conflictIds: (recorded?.conflicts ?? []).filter((c) => canOpenWedding(p, c.weddingId)).map((c) => c.conflictId),
      firstSeen: recorded?.firstSeen ?? null,
    };
  }

  /**
   * The businesses behind `vendorId` a caller asks about: the entry in each wedding its token opens
   * (vendor-identity.ts), whether or not it has a commitment there yet; an admin token for `*`, every business.
   */
  private async identitiesSeenBy(p: Principal, vendorId: string): Promise<(identity: string) => boolean> {
    if (p.role === 'admin' && p.weddings.includes('*')) return () => true;
    const identityIn = vendorIdentities(this.deps.people, vendorId);
    const seen = new Set(await Promise.all(p.weddings.map(identityIn)));
    return (identity) => seen.has(identity);
  }

  private visible(p: Principal, o: FoundOverlap): boolean {
    if (p.role === 'vendor' && p.vendorId === o.vendorId) return true;
    return [o.a, o.b].some((s) => s.kind === 'wedding' && canOpenWedding(p, s.weddingId));
  }

  /** GET /api/integrations/calendar/conflicts?vendorId= */
  async conflicts(p: Principal, vendorId: string, weddingId?: string): Promise<{ vendorId: string; overlaps: Overlap[]; checkedAt: string }> {
    this.assertVendorVisible(p, vendorId);
    if (weddingId && !canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    await this.refreshBusy(vendorId, this.options.busyMaxAgeMs);
    await this.checking;
    const found = await this.checkVendor(vendorId);
    const recorded = await this.overlapRecords.recordedFor(vendorId);
    const seen = await this.identitiesSeenBy(p, vendorId);
    const ours = found.filter((o) => seen(o.identity));
    const reach = await this.reach(p, vendorId, ours.flatMap((o) => [o.a, o.b]));
    const overlaps = ours
      .filter((o) => this.visible(p, o) && this.reachable(o, reach))
      .filter((o) => !weddingId || [o.a, o.b].some((s) => s.kind === 'wedding' && s.weddingId === weddingId))
      .map((o) => this.toOverlap(p, o, recorded.get(o.key), reach));
    return { vendorId, overlaps, checkedAt: new Date(this.now).toISOString() };
  }

  /** GET /api/integrations/calendar/availability?vendorId=&from=&to= */
  async availability(p: Principal, vendorId: string, fromIso?: string, toIso?: string): Promise<{ vendorId: string; from: string; to: string; busy: BusyBlock[] }> {
    this.assertVendorVisible(p, vendorId);
    const from = fromIso ? Date.parse(fromIso) : this.now;
    const to = toIso ? Date.parse(toIso) : this.now + this.options.horizonDays * DAY;
    await this.refreshBusy(vendorId, this.options.busyMaxAgeMs);
    const owned = await this.vendors.commitments(vendorId, from, to);
    const seen = await this.identitiesSeenBy(p, vendorId);
    const commitments = owned.filter((o) => seen(o.identity)).map((o) => o.commitment);
    const reach = await this.reach(p, vendorId, commitments);
    const busy: BusyBlock[] = commitments.filter((c) => c.kind !== 'calendar' || reach(c.integrationId) !== null).map((c) => {
      const s = this.side(p, c, reach);
      return s.kind === 'wedding'
        ? { start: s.start, end: s.end, source: 'wedding' as const, weddingId: s.weddingId, eventId: s.eventId, integrationId: null, title: s.title }
        : { start: s.start, end: s.end, source: 'calendar' as const, weddingId: null, eventId: null, integrationId: s.integrationId, title: s.title };
    }).sort((a, b) => a.start.localeCompare(b.start));
    return { vendorId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), busy };
  }

  /** The `calendar` section of the status endpoint (from what is stored: no external calls). */
  async statusSection(p: Principal, weddingId: string): Promise<CalendarStatusSection> {
    const { from, to } = this.window();
    const overlaps: Overlap[] = [];
    for (const vendorId of await this.bookings.vendorsOf(weddingId)) {
      if (p.role === 'vendor' && p.vendorId !== vendorId) continue;
      const recorded = await this.overlapRecords.recordedFor(vendorId);
      // Those of the business behind the entry in this wedding: the ones with a side in it.
      const found = await this.vendors.overlaps(vendorId, from, to);
      const reach = await this.reach(p, vendorId, found.flatMap((o) => [o.a, o.b]));
      for (const o of found) {
        if (this.reachable(o, reach) && [o.a, o.b].some((s) => s.kind === 'wedding' && s.weddingId === weddingId)) overlaps.push(this.toOverlap(p, o, recorded.get(o.key), reach));
      }
    }
    const bindings = (await this.deps.bridge.store.listForWedding(weddingId)).filter((i) => p.role !== 'vendor' || i.vendorId === p.vendorId);
    const refreshes = new Map(await Promise.all(bindings.map(async (i) => [i.id, await this.busy.lastRefresh(i.id)] as const)));
    const calendars = bindings
      .flatMap((i) => {
        const live = this.deps.bridge.registry.get(i.id);
        if (!live || !isCalendarAdapter(live.adapter)) return [];
        const o = live.adapter.calendarOptions;
        const refresh = refreshes.get(i.id);
        return [{
          integrationId: i.id, system: i.system, vendorId: i.vendorId ?? o.vendorId ?? null, syncDirection: o.syncDirection, categories: o.categories ?? null,
          importEvents: o.importEvents, busyRefreshedAt: refresh ? new Date(refresh.refreshedAt).toISOString() : null, busyError: refresh?.error ?? null,
        }];
      });
    const feeds = await this.feeds.visibleTo(p, weddingId);
    return { overlaps, feeds, calendars };
  }
}
