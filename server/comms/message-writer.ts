import crypto from 'node:crypto';
import { deliveryKey, type Delivery, type Message, type MessageChannel, type TxOrigin, type WeddingDoc } from '../../schema/index.ts';
import { MESSAGING_CHANNELS, isMessagingAdapter, type MessagingChannel } from '../../adapters/core/index.ts';
import type { CommsContext } from './comms-context.ts';
import { dedupeByAddress, firstWave, unreachableListed, type Channel, type Person, type Router } from './recipients.ts';
import { clipText, clipWithEllipsis } from '../../schema/document/text.ts';
import { ownOrSet, setOwn } from '../../schema/own-keys.ts';

/** The Message schema's limits (UTF-16 units): text the server composes is shortened to them, never refused. */
const SUBJECT_MAX = 200;
const BODY_MAX = 10_000;

/** A message the server writes: through the API, an emergency, an automatic message or an escalation report. */
export interface Draft {
  id?: string;
  senderId: string;
  recipients: Person[];
  subject: string;
  body: string;
  priority: Message['priority'];
  type: string;
  requiresAck: boolean;
  escalateAfterSeconds: number | null;
  channels?: Channel[];
  broadcast: boolean;
  context?: Record<string, string>;
}

export const newMessageId = (): string => `msg_${crypto.randomBytes(9).toString('base64url')}`;

/**
 * Writes messages into a wedding's `messages`: the message and its planned sends (in-app for
 * everyone, then each person's first wave) in one transaction. The send planner turns the `queued`
 * sends into outbox rows inside that same durable transaction. Recipients are deduplicated by
 * address here, so no message of any kind reaches one address twice.
 */
export class MessageWriter {
  constructor(private readonly ctx: CommsContext) {}

  /**
   * Which integration reaches a person on a channel: one the person connected themselves first
   * (a vendor's own Slack), then the wedding's shared ones; never another vendor's own system.
   */
  router(weddingId: string): Router {
    const lives = this.messagingIntegrations(weddingId);
    return (person, channel) => {
      const candidates = lives
        .filter((l) => (l.integration.vendorId === null || l.integration.vendorId === person.id) && isMessagingAdapter(l.adapter) && l.adapter.channels.includes(channel))
        .sort((a, b) => Number(b.integration.vendorId === person.id) - Number(a.integration.vendorId === person.id));
      for (const l of candidates) {
        if (!isMessagingAdapter(l.adapter)) continue;
        const address = l.adapter.addressFor(person, channel);
        if (address) return { integrationId: l.integration.id, address };
      }
      return null;
    };
  }

  private messagingIntegrations(weddingId: string) {
    return this.ctx.bridge.registry.forWedding(weddingId).filter((l) => l.integration.status === 'active' && l.integration.runMode === 'in_process' && isMessagingAdapter(l.adapter));
  }

  /**
   * Every channel and whether a connected integration of the wedding offers it (in-app always does);
   * what the compose form offers (`GET …/messages/channels`).
   */
  channels(weddingId: string): MessageChannel[] {
    const lives = this.messagingIntegrations(weddingId);
    const offered = (c: MessagingChannel) => lives.filter((l) => isMessagingAdapter(l.adapter) && l.adapter.channels.includes(c));
    return [
      { channel: 'wedsync_chat', connected: true, vendorOnly: false, systems: [] },
      ...MESSAGING_CHANNELS.map((channel): MessageChannel => {
        const by = offered(channel);
        return { channel, connected: by.length > 0, vendorOnly: by.length > 0 && by.every((l) => l.integration.vendorId !== null), systems: [...new Set(by.map((l) => l.integration.system))] };
      }),
    ];
  }

  /**
   * Why `channel` cannot reach `person`: `not connected` when no integration that may reach them
   * offers the channel at all, else `no address` (connected, but it has no address for them).
   */
  private unreachableReason(weddingId: string, person: Person, channel: MessagingChannel): string {
    const offers = this.messagingIntegrations(weddingId).some((l) => (l.integration.vendorId === null || l.integration.vendorId === person.id)
      && isMessagingAdapter(l.adapter) && l.adapter.channels.includes(channel));
    return offers ? `no address: the connected integration has no ${channel} address for them` : `not connected: no ${channel} integration is connected to this wedding`;
  }

  /**
   * The sends of a new message: in-app for everyone, then each person's first wave. A channel the
   * person listed, or the message asked for, that nothing can reach them on is recorded as `skipped`
   * with the reason (`not connected…`, `no address…`), so a request is never dropped in silence.
   */
  planDeliveries(weddingId: string, draft: Draft, at: string): Record<string, Delivery> {
    const router = this.router(weddingId);
    const out: Record<string, Delivery> = {};
    const base = { queuedAt: at, at, level: 0, providerId: null, attempts: 0, error: null };
    for (const person of draft.recipients) {
      setOwn(out, deliveryKey(person.id, 'wedsync_chat'), { ...base, recipientId: person.id, channel: 'wedsync_chat', status: 'delivered', integrationId: null });
      for (const { channel, route } of firstWave(person, router, { broadcast: draft.broadcast, ...(draft.channels ? { only: draft.channels } : {}) })) {
        setOwn(out, deliveryKey(person.id, channel), { ...base, recipientId: person.id, channel, status: 'queued', integrationId: route.integrationId });
      }
      const asked = (draft.channels ?? []).filter((c): c is MessagingChannel => (MESSAGING_CHANNELS as readonly string[]).includes(c) && !router(person, c as MessagingChannel));
      for (const channel of new Set([...unreachableListed(person, router, draft.channels), ...asked])) {
        ownOrSet(out, deliveryKey(person.id, channel), (): Delivery => ({ ...base, recipientId: person.id, channel, status: 'skipped', integrationId: null, error: this.unreachableReason(weddingId, person, channel) }));
      }
    }
    return out;
  }

  /** Writes a message and its planned sends in one transaction (the send planner adds the outbox rows). */
  writeMessage(w: WeddingDoc, weddingId: string, draft: Draft, origin: TxOrigin): Message {
    const at = new Date(this.ctx.clock()).toISOString();
    const { people, merged } = dedupeByAddress(draft.recipients);
    const context = { ...draft.context };
    // Say who was left out as a duplicate, so the log explains why an entry got nothing.
    if (merged.size) context.mergedRecipients = clipText([context.mergedRecipients, ...[...merged].map(([from, into]) => `${from}>${into}`)].filter(Boolean).join(','), 300);
    const deliveries = this.planDeliveries(weddingId, { ...draft, recipients: people }, at);
    const channels = [...new Set(Object.values(deliveries).filter((d) => d.status !== 'skipped').map((d) => d.channel))];
    return w.appendMessage({
      id: draft.id ?? newMessageId(), at, senderId: draft.senderId, recipientIds: people.map((p) => p.id), channels,
      priority: draft.priority, type: draft.type, subject: clipWithEllipsis(draft.subject, SUBJECT_MAX), body: clipWithEllipsis(draft.body, BODY_MAX), requiresAck: draft.requiresAck,
      escalateAfterSeconds: draft.requiresAck ? draft.escalateAfterSeconds : null, context, deliveries,
      // The sender has seen what they sent: their own row (planners are contacts, id = person id) starts acknowledged.
      acks: draft.requiresAck && people.some((p) => p.id === draft.senderId) ? { [draft.senderId]: at } : {},
      // Names as they are now: the log keeps them after a merge or removal (docs/communications.md).
      recipientNames: Object.fromEntries(people.map((p) => [p.id, clipText(p.name, 200)])),
    }, origin);
  }
}
