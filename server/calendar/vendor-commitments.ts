import { WeddingDoc } from '../../schema/index.ts';
import type { CalendarBridge } from '../bridge/bridge-context.ts';
import type { Logger } from '../logger.ts';
import type { BookingRecords } from './booking-index.ts';
import type { BusyRecords } from './busy-blocks.ts';
import { findOverlaps, type Commitment, type FoundOverlap } from './overlaps.ts';
import { vendorIdentities, type VendorIdentityReads } from './vendor-identity.ts';
import type { WeddingHosts } from './wedding-hosts.ts';

/** A commitment of a vendor entry, with who that entry is in its wedding (vendor-identity.ts). */
export interface OwnedCommitment {
  /** The business behind the entry in `weddingId` (vendorIdentities). */
  identity: string;
  /** The wedding of the booking, or the one the calendar's binding serves. */
  weddingId: string;
  commitment: Commitment;
}

/** An overlap between two commitments of one business (`identity`). */
export type VendorOverlap = FoundOverlap & { identity: string };

export interface VendorCommitmentsDeps {
  bookings: BookingRecords;
  busyRecords: BusyRecords;
  bridge: Pick<CalendarBridge, 'store' | 'links'>;
  /** Who joined which wedding as which vendor entry, and which workspace owns a wedding. */
  people: VendorIdentityReads;
  hosts: WeddingHosts;
  anywhere: Pick<CalendarBridge, 'withDocument'>;
  logger: Logger;
}

/**
 * Gathers what a vendor entry id (`photo`) is committed to across weddings: its bookings (timeline
 * events it is assigned to) and the busy blocks of the calendars connected for it. The same id in
 * two weddings is one vendor only when the same business stands behind it (vendorIdentities): a
 * double booking is looked for within each business's commitments, never between two businesses
 * that happen to share an entry id.
 */
export class VendorCommitments {
  constructor(private readonly deps: VendorCommitmentsDeps) {}

  /** Commitments of `vendorId` overlapping [from, to) (ms since the epoch, UTC), each with its business. */
  async commitments(vendorId: string, from: number, to: number): Promise<OwnedCommitment[]> {
    const identityIn = vendorIdentities(this.deps.people, vendorId);
    const out: OwnedCommitment[] = [];
    for (const b of await this.deps.bookings.bookings(vendorId, from, to)) {
      out.push({
        identity: await identityIn(b.weddingId), weddingId: b.weddingId,
        commitment: { kind: 'wedding', weddingId: b.weddingId, eventId: b.eventId, title: b.title, startMs: b.startMs, endMs: b.endMs },
      });
    }
    const ownerOf = new Map<string, { weddingId: string; system: string } | null>();
    for (const r of await this.deps.busyRecords.busyFor(vendorId, from, to)) {
      if (!ownerOf.has(r.integrationId)) {
        const i = await this.deps.bridge.store.get(r.integrationId);
        ownerOf.set(r.integrationId, i ? { weddingId: i.weddingId, system: i.system } : null);
      }
      const owner = ownerOf.get(r.integrationId);
      if (!owner) continue;
      const link = await this.deps.bridge.links.byExternalId(r.integrationId, 'timeline', r.externalId);
      out.push({
        identity: await identityIn(owner.weddingId), weddingId: owner.weddingId,
        commitment: {
          kind: 'calendar', integrationId: r.integrationId, system: owner.system, externalId: r.externalId, title: r.title, startMs: r.startMs, endMs: r.endMs,
          linkedEvents: link ? [`${owner.weddingId}/${link.entityId}`] : [],
        },
      });
    }
    return out;
  }

  /** The overlaps within each business among the commitments, once the hosts of every wedding among them are known. */
  async overlaps(vendorId: string, from: number, to: number): Promise<VendorOverlap[]> {
    const owned = await this.commitments(vendorId, from, to);
    const { hosts } = this.deps;
    for (const { commitment: c } of owned) {
      if (c.kind !== 'wedding' || hosts.has(c.weddingId)) continue;
      await this.deps.anywhere.withDocument(c.weddingId, (doc) => { if (!hosts.has(c.weddingId)) hosts.load(c.weddingId, new WeddingDoc(doc)); })
        .catch((error) => this.deps.logger.warn({ err: error, weddingId: c.weddingId }, 'venue of a wedding not read'));
    }
    return overlapsWithin(vendorId, owned, (weddingId) => hosts.hosts(weddingId, vendorId));
  }
}

/**
 * The overlaps among `owned` within each business (findOverlaps per identity): a commitment of one
 * business is never paired with another's. `hosts` as for findOverlaps.
 */
export function overlapsWithin(vendorId: string, owned: readonly OwnedCommitment[], hosts: (weddingId: string) => boolean): VendorOverlap[] {
  const byIdentity = new Map<string, Commitment[]>();
  for (const o of owned) byIdentity.set(o.identity, [...byIdentity.get(o.identity) ?? [], o.commitment]);
  return [...byIdentity].flatMap(([identity, commitments]) => findOverlaps(vendorId, commitments, hosts).map((o) => ({ ...o, identity })));
}
