import type * as Y from 'yjs';
import type { RoutingHints } from '../../adapters/core/index.ts';
import { WeddingDoc } from '../../schema/index.ts';

/** What matching rules compare a record with: a wedding's title (which names the couple), date and venue. */
export interface WeddingFacts {
  weddingId: string;
  title: string;
  /** ISO date. */
  date: string;
  venue: string;
  /** IANA zone. */
  timezone: string;
}

/** A wedding a record may belong to, with how sure the rules are (0..1) and why. */
export interface MatchProposal {
  weddingId: string;
  confidence: number;
  reasons: Array<'date' | 'names' | 'venue'>;
}

/**
 * Each wedding's facts, read from its document once and kept until its `meta` changes (the
 * registered document listener drops the entry), so routing a record reads no document twice. In a
 * cluster a wedding's meta may change on another instance, whose updates this one never sees: there
 * an entry is also read again once it is `ttlMs` old.
 */
export class WeddingFactsCache {
  private readonly facts = new Map<string, { facts: WeddingFacts; readAt: number }>();

  /** `ttlMs`: how long an entry is kept without an update seen here (@default no limit); `now`: ms since epoch. */
  constructor(
    private readonly withDocument: <T>(weddingId: string, fn: (doc: Y.Doc) => T) => Promise<T>,
    private readonly ttlMs = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  /** For DocumentAccess.onUpdate: forgets a wedding whose meta changed. */
  readonly onUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction): void => {
    const meta: unknown = doc.getMap('meta');
    if (![...tr.changed.keys()].some((type) => (type as unknown) === meta)) return;
    this.facts.delete(documentName.startsWith('wedding:') ? documentName.slice('wedding:'.length) : documentName);
  };

  async get(weddingId: string): Promise<WeddingFacts> {
    const known = this.facts.get(weddingId);
    if (known && this.now() - known.readAt < this.ttlMs) return known.facts;
    const readAt = this.now();
    const meta = await this.withDocument(weddingId, (doc) => new WeddingDoc(doc).getMeta());
    const facts: WeddingFacts = { weddingId, title: meta.title ?? '', date: meta.date ?? '', venue: meta.venue ?? '', timezone: meta.timezone ?? 'UTC' };
    this.facts.set(weddingId, { facts, readAt });
    return facts;
  }
}

const STOP = new Set(['and', 'the', 'wedding', 'of', 'with', 'for', 'at', 'to', 'und', 'et', 'y', 'mr', 'mrs', 'ms', 'dr']);

/** Lower-case words of three letters or more, accents folded, stop words left out. */
export function nameTokens(text: string): Set<string> {
  const folded = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return new Set((folded.match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 3 && !STOP.has(w)));
}

/**
 * The matching rule (docs/connections.md): a record on a wedding's date is proposed for it (0.5);
 * naming the couple (a word of the wedding's title) adds 0.4, its venue (half of the venue's words)
 * 0.3, capped at 0.95. A record on another day is not proposed at all.
 */
export function matchWedding(hints: RoutingHints | undefined, facts: WeddingFacts): MatchProposal | null {
  if (!hints?.date || !facts.date || hints.date !== facts.date) return null;
  const reasons: MatchProposal['reasons'] = ['date'];
  let confidence = 0.5;
  const text = nameTokens(`${hints.text ?? ''} ${hints.venue ?? ''}`);
  const names = nameTokens(facts.title);
  if ([...names].some((w) => text.has(w))) {
    reasons.push('names');
    confidence += 0.4;
  }
  const venue = nameTokens(facts.venue);
  const place = nameTokens(hints.venue ?? '');
  if (venue.size > 0 && [...venue].filter((w) => place.has(w)).length * 2 >= venue.size) {
    reasons.push('venue');
    confidence += 0.3;
  }
  return { weddingId: facts.weddingId, confidence: Math.min(0.95, Math.round(confidence * 100) / 100), reasons };
}
