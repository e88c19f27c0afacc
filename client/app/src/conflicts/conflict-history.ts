import { useEffect, useState } from 'preact/hooks';
import { ActivityResponse, type ActivityEntry, type Conflict } from '../../../sdk/index.ts';
import { whenWords } from '../activity/activity-words.ts';
import { apiRequest } from '../api/api-client.ts';
import { actorName, systemName, type EventFacts, type Partner } from './conflict-words.ts';

/** One line of "who made each change and when" under a conflict. */
export interface WhoLine { label: string; text: string }

/** The activity trail's name of a conflict's entity: `<root>:<id>`, or the root alone for the single-record roots. */
export function entityKey(c: Pick<Conflict, 'entity' | 'entityId'>): string {
  return c.entity === 'meta' || c.entity === 'guests' || !c.entityId ? c.entity : `${c.entity}:${c.entityId}`;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const before = (e: ActivityEntry, at: string) => e.at <= at || Date.parse(e.at) <= Date.parse(at) + 1000;
const who = (e: ActivityEntry, timeZone: string) => `${actorName(e.actor)}, ${whenWords(e.at, timeZone)}`;

/**
 * Who made each side of `c` and when, from the activity trail: `entries` maps each entity the
 * conflict is about (`timeline:<id>`, or the root) to its newest-first entries.
 */
export function whoLines(c: Conflict, entries: Map<string, ActivityEntry[]>, facts: EventFacts, partner?: Partner): WhoLine[] {
  const tz = facts.timeZone;
  const own = entries.get(entityKey(c)) ?? [];
  const reported = `${systemName(c.source)}, ${whenWords(c.at, tz)}`;
  if (c.source.startsWith('availability:') && c.field === 'vendorIds') {
    const vendorId = Array.isArray(c.localValue) ? c.localValue.find((v) => !(Array.isArray(c.remoteValue) && c.remoteValue.includes(v))) : undefined;
    const ids = [c.entityId, ...(partner?.kind === 'event' ? [partner.eventId] : [])];
    return ids.flatMap((id) => {
      const list = entries.get(`timeline:${id}`) ?? [];
      const booked = list.find((e) => (e.field === 'vendorIds' && Array.isArray(e.value) && e.value.includes(vendorId) && !(Array.isArray(e.previous) && e.previous.includes(vendorId)))
        || (e.field === '' && e.change === 'added'));
      const moved = list.find((e) => e.field === 'start' || e.field === 'end');
      const title = facts.eventTitle(id) ?? 'the event';
      const lines: WhoLine[] = [];
      if (booked) lines.push({ label: `Booked on ${title}`, text: who(booked, tz) });
      if (moved && (!booked || moved.id > booked.id)) lines.push({ label: `${title} last moved`, text: who(moved, tz) });
      return lines;
    });
  }
  if (c.field === '*') {
    const edit = own.find((e) => e.actor.kind !== 'adapter' && before(e, c.at));
    return [
      ...(edit ? [{ label: c.localValue === null ? 'Deleted here' : 'Changed here', text: who(edit, tz) }] : []),
      { label: c.remoteValue === null ? 'Deleted' : 'Changed', text: reported },
    ];
  }
  const local = own.find((e) => e.field === c.field && same(e.value, c.localValue) && e.actor.kind !== 'adapter');
  const remote = own.find((e) => e.field === c.field && same(e.value, c.remoteValue));
  return [
    ...(local ? [{ label: 'Changed here', text: who(local, tz) }] : []),
    { label: `Changed in ${systemName(c.source)}`, text: remote ? who(remote, tz) : reported },
  ];
}

/**
 * The activity entries of the events and entities `conflicts` are about (planners and admins
 * only: the trail is theirs, see docs/api.md). Empty while loading or when refused.
 */
export function useConflictHistory(weddingId: string, token: string, enabled: boolean, keys: string[]): Map<string, ActivityEntry[]> {
  const [entries, setEntries] = useState(new Map<string, ActivityEntry[]>());
  const joined = [...new Set(keys)].sort().join(',');
  useEffect(() => {
    if (!enabled || !joined) return;
    const abort = new AbortController();
    void Promise.all(joined.split(',').map(async (entity): Promise<[string, ActivityEntry[]]> => {
      const q = new URLSearchParams({ entity, limit: '50' });
      try {
        const page = await apiRequest(`/api/weddings/${encodeURIComponent(weddingId)}/activity?${q}`, { token, schema: ActivityResponse, signal: abort.signal });
        return [entity, page.entries];
      } catch {
        return [entity, []];
      }
    })).then((pairs) => { if (!abort.signal.aborted) setEntries(new Map(pairs)); });
    return () => abort.abort();
  }, [weddingId, token, enabled, joined]);
  return entries;
}
