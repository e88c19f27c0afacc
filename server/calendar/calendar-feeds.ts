import crypto from 'node:crypto';
import { WeddingDoc, canOpenWedding, type FeedCreated, type FeedSummary } from '../../schema/index.ts';
import { isKnownTimeZone } from '../../adapters/core/calendar-time.ts';
import { AuthError, assertApiReader } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { CalendarBridge } from '../bridge/bridge-context.ts';
import { CalendarError } from './calendar-error.ts';
import type { EventVersions } from './event-versions.ts';
import type { FeedStore } from './feed-store.ts';
import { publishedHash, renderFeed, toOutbound } from './ics-feed.ts';
import { ownValue } from '../../schema/own-keys.ts';

export interface CalendarFeedsDeps {
  store: FeedStore;
  /** SEQUENCE and LAST-MODIFIED of each published event (RFC 5545 §3.8.7). */
  versions: EventVersions;
  bridge: CalendarBridge;
  /** The server's public base URL, for the feed's address. */
  publicUrl: () => string;
  /** ms since the epoch (the bridge's clock). */
  now: () => number;
  /** REFRESH-INTERVAL the feed asks subscribers for (RFC 7986), minutes. */
  refreshMinutes: number;
}

/**
 * Subscribable iCalendar feeds of a wedding (`/calendar/<token>.ics`, docs/calendars.md): the whole
 * day, or one vendor's part of it. Planners and admins manage every feed of a wedding, a vendor only
 * its own, a couple only the wedding's feeds it made. Throws AuthError (403) and CalendarError
 * (`vendor_not_found`, `feed_not_found`: 404).
 */
export class CalendarFeeds {
  constructor(private readonly deps: CalendarFeedsDeps) {}

  private assertFeedAccess(p: Principal, weddingId: string, vendorId: string | null): void {
    if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    assertApiReader(p.role, 'calendar feeds');
    if (p.role === 'vendor' && (vendorId === null || p.vendorId !== vendorId)) throw new AuthError('role_forbidden', "vendors manage only their own feed (vendorId must be the token's vendorId)");
    if (p.role === 'couple' && vendorId !== null) throw new AuthError('role_forbidden', "couples can make the wedding's feed; vendor feeds are for planners and the vendor");
  }

  feedUrl(token: string): string {
    return `${this.deps.publicUrl().replace(/\/$/, '')}/calendar/${token}.ics`;
  }

  async createFeed(p: Principal, body: { weddingId: string; vendorId?: string; label?: string }): Promise<FeedCreated> {
    const vendorId = body.vendorId ?? null;
    this.assertFeedAccess(p, body.weddingId, vendorId);
    if (vendorId) {
      const exists = await this.deps.bridge.withDocument(body.weddingId, (doc) => new WeddingDoc(doc).getVendor(vendorId) !== undefined);
      if (!exists) throw new CalendarError('vendor_not_found', `wedding ${body.weddingId} has no vendor ${vendorId}`);
    }
    const { feed, token } = await this.deps.store.create({ weddingId: body.weddingId, vendorId, label: body.label ?? null, createdBy: p.sub, at: new Date(this.deps.now()).toISOString() });
    const url = this.feedUrl(token);
    return { ...feed, url, webcalUrl: url.replace(/^https?:/, 'webcal:') };
  }

  async listFeeds(p: Principal, weddingId: string): Promise<FeedSummary[]> {
    if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    assertApiReader(p.role, 'calendar feeds');
    return this.visibleTo(p, weddingId);
  }

  /** The wedding's feeds `p` sees (a vendor: its own), without the access checks of `listFeeds` (the caller made them). */
  async visibleTo(p: Principal, weddingId: string): Promise<FeedSummary[]> {
    return (await this.deps.store.list(weddingId)).filter((f) => p.role !== 'vendor' || f.vendorId === p.vendorId);
  }

  async revokeFeed(p: Principal, feedId: string): Promise<void> {
    const feed = await this.deps.store.get(feedId);
    if (!feed) throw new CalendarError('feed_not_found', `no feed ${feedId}`);
    // Like every other route: a token for another wedding is refused as such (403), not told "not found".
    if (!canOpenWedding(p, feed.weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${feed.weddingId}`);
    if (p.role === 'couple' && feed.createdBy !== p.sub) throw new AuthError('role_forbidden', 'couples revoke only the feeds they made');
    this.assertFeedAccess(p, feed.weddingId, p.role === 'couple' ? null : feed.vendorId);
    await this.deps.store.revoke(feedId, new Date(this.deps.now()).toISOString());
  }

  /** The feed a token opens, as iCalendar text, with an ETag that changes only when its content does. */
  async renderFeed(token: string): Promise<{ body: string; etag: string }> {
    const feed = await this.deps.store.byToken(token);
    if (!feed) throw new CalendarError('feed_not_found', 'no such feed (it may have been revoked)');
    const { zone, events, hashes, name } = await this.deps.bridge.withDocument(feed.weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const meta = w.getMeta();
      const z = isKnownTimeZone(meta.timezone) ? meta.timezone : 'UTC';
      // A vendor's feed shows that vendor's audience (schema/document/audiences.ts): other vendors'
      // contact details are not in it, so they are not attendees there.
      const everyone = Object.fromEntries(w.listVendors().map((v) => [v.id, v]));
      const vendors = Object.fromEntries(w.listVendors().map((v) => [v.id, feed.vendorId && v.id !== feed.vendorId ? { ...v, email: '', phone: '' } : v]));
      const shown = w.listEvents().filter((e) => !feed.vendorId || e.vendorIds.includes(feed.vendorId));
      const title = meta.title || `Wedding ${feed.weddingId}`;
      return {
        zone: z, events: shown.map((e) => toOutbound(feed.weddingId, z, e, vendors)),
        // SEQUENCE is one per event for all of the wedding's feeds, so it is raised by the event as
        // the whole-day feed publishes it: a vendor's feed (fewer attendees) and the whole day's,
        // fetched in turn, would otherwise each see a new hash and raise it on every fetch.
        hashes: shown.map((e) => ({ id: e.id, hash: publishedHash(toOutbound(feed.weddingId, z, e, everyone)) })),
        name: feed.vendorId ? `${title} — ${ownValue(vendors, feed.vendorId)?.name ?? feed.vendorId}` : title,
      };
    });
    const versions = await this.deps.versions.resolve(feed.weddingId, hashes, this.deps.now());
    // DTSTAMP is the last change, not the request time: the same content is the same bytes (and ETag).
    const stamp = Math.max(Date.parse(feed.createdAt), ...[...versions.values()].map((v) => v.modifiedAt));
    const body = renderFeed({ name, weddingId: feed.weddingId, zone, events, versions, nowMs: stamp, refreshMinutes: this.deps.refreshMinutes });
    await this.deps.store.fetched(feed.feedId, new Date(this.deps.now()).toISOString());
    return { body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }
}
