// The words of a wedding's Integrations tab that are not plain fields: kept pure so they are
// tested (tests/planner-app/integration-status-words.test.ts).

import { categoryLabel } from '../catalog/catalog-api.ts';
import { relativeTime } from '../ui/labels.ts';

/** `photography_crm` → `Photography CRM`: the catalogue's word for a system's category. */
export function categoryWords(category: string): string {
  const label = categoryLabel(category);
  return label ? label[0]!.toUpperCase() + label.slice(1) : label;
}

/** `1 conflict waiting`, `3 conflicts waiting`. */
export function conflictsWaiting(count: number): string {
  return `${count} conflict${count === 1 ? '' : 's'} waiting`;
}

/**
 * When a flow last carried a change (`lastAt` ISO 8601 UTC, or null): a flow that never carried
 * one says so in words (nothing of this wedding has gone out or come in yet), not "never", which
 * reads as stuck.
 */
export function flowWhen(direction: 'inbound' | 'outbound', lastAt: string | null, now = Date.now()): string {
  if (lastAt) return relativeTime(lastAt, now);
  return direction === 'outbound' ? 'nothing sent for this wedding yet' : 'nothing received for this wedding yet';
}

/** An entity kind (schema ENTITY_KINDS) as the sentences below name it. */
const ENTITY_WORDS: Record<string, string> = { meta: 'details', timeline: 'timeline', vendors: 'vendors', guests: 'guest numbers', payments: 'payments' };

/** `timeline`, `timeline and payments`, `details, timeline and vendors`: a flow's entity kinds in a sentence. */
export function listWords(entities: readonly string[]): string {
  const words = entities.map((e) => ENTITY_WORDS[e] ?? e.replace(/_/g, ' '));
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * What a flow carries, for a vendor or the couple: `It gets this wedding's timeline; last sent 5
 * minutes ago.` or `Changes made there to this wedding's timeline come in; nothing received for
 * this wedding yet.`
 */
export function flowSentence(direction: 'inbound' | 'outbound', entities: readonly string[], lastAt: string | null, now = Date.now()): string {
  const what = listWords(entities) || 'changes';
  const carries = direction === 'outbound' ? `It gets this wedding's ${what}` : `Changes made there to this wedding's ${what} come in`;
  const when = lastAt ? `last ${direction === 'outbound' ? 'sent' : 'received'} ${relativeTime(lastAt, now)}` : flowWhen(direction, null, now);
  return `${carries}; ${when}.`;
}

/** A connected system's counts that need someone, in words (empty when none do). */
export function waitingWords(counts: { outbox: { dead: number }; inbox: { parked: number } }): string[] {
  const words: string[] = [];
  const changes = (n: number) => `${n} change${n === 1 ? '' : 's'}`;
  if (counts.outbox.dead > 0) words.push(`${changes(counts.outbox.dead)} could not be sent to it (listed below).`);
  // Parked incoming changes are the planner's to look at (their table counts them): not listed here.
  if (counts.inbox.parked > 0) words.push(`${changes(counts.inbox.parked)} from it could not be applied to this wedding.`);
  return words;
}

/** Above the systems a vendor or the couple sees: whose they are. */
export function ownSystemsIntro(role: string): string {
  return role === 'vendor' ? 'Your systems connected to this wedding, and whether they are working.' : 'The systems this wedding is connected to, and whether they are working.';
}

/** When none is connected: for a vendor, what connecting one gives them and how. */
export function nothingConnectedWords(role: string): string {
  return role === 'vendor'
    ? 'None of your systems is connected to this wedding yet. Connect your calendar, CRM or payment account once for your business, then bind it to this wedding: a calendar then shows this wedding\'s times and keeps them up to date, and a CRM or payment account sends its changes here.'
    : 'No systems are connected to this wedding.';
}
