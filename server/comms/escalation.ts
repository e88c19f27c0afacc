import type { Delivery, Message, WeddingDoc } from '../../schema/index.ts';
import { findPerson, ladder, type Router } from './recipients.ts';
import { ownValue } from '../../schema/own-keys.ts';

/** Deliveries that did not and will not reach the person. */
const DEAD_END: ReadonlySet<Delivery['status']> = new Set(['failed', 'skipped']);

export interface EscalationStep {
  /** New sends to queue (the next channel for each person who has not answered). */
  next: Delivery[];
  /** People every channel has now been tried for. */
  exhausted: string[];
  /** When to look again (ms), or null when nobody is left to wait for. */
  checkAt: number | null;
}

/**
 * One look at a message that asks for acknowledgements: everyone who has not acknowledged and whose
 * current wave is older than the escalation delay, or whose current wave cannot reach them (every
 * send failed), moves on to their next channel (the next one on their ladder they have not been
 * tried on). Someone with no channel left is `exhausted` only once their last wave (in-app alone
 * included, which starts at the message's `at`) is older than the delay, never sooner, however many
 * channels they had. `now` and `checkAt` are ms since the epoch. Pure given the document and the router.
 */
export function escalationStep(w: WeddingDoc, message: Message, now: number, router: Router, alreadyExhausted: ReadonlySet<string>): EscalationStep {
  const afterMs = (message.escalateAfterSeconds ?? 0) * 1000;
  const out: EscalationStep = { next: [], exhausted: [], checkAt: null };
  if (!message.requiresAck || afterMs <= 0) return out;
  const nowIso = new Date(now).toISOString();
  const earliest = (t: number) => { out.checkAt = out.checkAt === null ? t : Math.min(out.checkAt, t); };
  for (const recipientId of message.recipientIds) {
    if (ownValue(message.acks, recipientId) || alreadyExhausted.has(recipientId)) continue;
    const sends = Object.values(message.deliveries).filter((d) => d.recipientId === recipientId && d.channel !== 'wedsync_chat');
    const level = sends.reduce((max, d) => Math.max(max, d.level), 0);
    const current = sends.filter((d) => d.level === level);
    const wave = current.filter((d) => d.status !== 'skipped');
    // The last wave started when its sends were queued; with no outside send (in-app only), when the message was written.
    const started = current.length ? Math.min(...current.map((d) => Date.parse(d.queuedAt))) : Date.parse(message.at);
    const due = started + afterMs;
    const stuck = wave.length === 0 || wave.every((d) => DEAD_END.has(d.status));
    if (now < due && !stuck) {
      earliest(due);
      continue;
    }
    const person = findPerson(w, recipientId);
    const tried = new Set(sends.filter((d) => d.status !== 'skipped').map((d) => d.channel));
    const step = person ? ladder(person, router).find((x) => !tried.has(x.channel)) : undefined;
    if (!step) {
      // Nothing left to try: the person still has the whole delay after their last wave (in-app counts) to answer.
      if (now < due) earliest(due);
      else out.exhausted.push(recipientId);
      continue;
    }
    out.next.push({
      recipientId, channel: step.channel, status: 'queued', queuedAt: nowIso, at: nowIso, level: level + 1,
      integrationId: step.route.integrationId, providerId: null, attempts: 0, error: null,
    });
    earliest(now + afterMs);
  }
  return out;
}

