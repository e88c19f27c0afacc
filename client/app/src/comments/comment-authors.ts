import { useEffect, useState } from 'preact/hooks';
import { WeddingPeopleResponse, type WeddingPerson } from '../../../../schema/api/wedding-people.ts';
import type { Vendor } from '../../../sdk/index.ts';
import { apiRequest } from '../api/api-client.ts';
import type { TokenSource } from '../budget/budget-api.ts';

/** An id the server did not name is asked about again after this long (ms): they may have just joined. */
const RETRY_UNKNOWN_MS = 60_000;
/** A name is asked for again after this long (ms): renamed, or no longer in the wedding ("Someone"). */
const KEEP_NAMED_MS = 10 * 60_000;

/** `weddingId\0personId` → the person (null: not one of the wedding's people when last asked), for the life of the page. */
const known = new Map<string, { person: WeddingPerson | null; at: number }>();

/**
 * The names of the people who wrote what the app shows (comment authors), from
 * `GET /api/weddings/{id}/people` (schema/api/wedding-people.ts): id → person, for the ids the server
 * named. An unnamed id is asked again after a minute, a named one after ten (renamed, or gone: then
 * "Someone"). Offline, or when the server cannot say, the last answer stands; an id never named is
 * missing and the caller names it "Someone".
 */
export function useAuthorNames(weddingId: string, token: TokenSource, ids: readonly string[]): ReadonlyMap<string, WeddingPerson> {
  const [, setAnswered] = useState(0);
  // Ticks every minute, so what has grown old is asked for again while the page stays open.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), RETRY_UNKNOWN_MS);
    return () => clearInterval(timer);
  }, []);
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    const now = Date.now();
    const ask = key.split(',').filter((id) => {
      if (!id) return false;
      const entry = known.get(`${weddingId}\0${id}`);
      return !entry || now - entry.at > (entry.person === null ? RETRY_UNKNOWN_MS : KEEP_NAMED_MS);
    }).slice(0, 100);
    if (ask.length === 0) return;
    const abort = new AbortController();
    void (async () => {
      try {
        const q = new URLSearchParams({ ids: ask.join(',') });
        const answer = await apiRequest(`/api/weddings/${encodeURIComponent(weddingId)}/people?${q}`, { token: await token(), schema: WeddingPeopleResponse, signal: abort.signal });
        const at = Date.now();
        for (const id of ask) known.set(`${weddingId}\0${id}`, { person: answer.people.find((p) => p.id === id) ?? null, at });
        setAnswered((n) => n + 1);
      } catch {
        // Offline or refused: the authors stay unnamed until the next change of the list.
      }
    })();
    return () => abort.abort();
  }, [weddingId, key, tick]);
  const named = new Map<string, WeddingPerson>();
  for (const id of ids) {
    const person = known.get(`${weddingId}\0${id}`)?.person;
    if (person) named.set(id, person);
  }
  return named;
}

/**
 * Who wrote something, in words: "You", "Mia Costa (the couple)", "Priya Shah (Lens & Light)",
 * "Sam Reed (planner)", or "Someone" for an author the server did not name (left the wedding, an
 * operator's token, not known yet offline).
 */
export function authorLabel(authorId: string, self: string, person: WeddingPerson | undefined, vendors: readonly Vendor[]): string {
  if (authorId === self) return 'You';
  if (!person) return 'Someone';
  switch (person.role) {
    case 'couple': return `${person.name} (the couple)`;
    case 'planner': return `${person.name} (planner)`;
    case 'vendor': {
      const business = vendors.find((v) => v.id === person.vendorId)?.name;
      return business && business !== person.name ? `${person.name} (${business})` : `${person.name} (vendor)`;
    }
    case 'viewer': return person.name;
  }
}
