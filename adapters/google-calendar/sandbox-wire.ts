import type { GoogleEvent } from './mappers.ts';

/**
 * What the Google Calendar sandbox's parts (sandbox.ts, sandbox-listing.ts, sandbox-channels.ts)
 * share: how it holds a calendar, and the API's rules for request bodies, error bodies, patch
 * semantics and which events it refuses.
 */

/** An event as held, with the change sequence number that sync and page tokens count from. */
export interface Stored { event: GoogleEvent; seq: number }
export interface Calendar { id: string; summary: string; timeZone: string; events: Map<string, Stored> }

export function googleErrorBody(code: number, reason: string, message: string, domain = 'global') {
  return { error: { errors: [{ domain, reason, message }], code, message } };
}

/** A request body as a JSON object; null when it is not one. */
export function parseJson(text: string): GoogleEvent | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as GoogleEvent) : null;
  } catch {
    return null;
  }
}

/** Patch semantics: fields given replace fields held; extended property maps merge key by key; arrays are replaced. */
export function mergePatch(event: GoogleEvent, patch: GoogleEvent): GoogleEvent {
  const next: GoogleEvent = { ...event, ...patch };
  if (patch.extendedProperties) {
    next.extendedProperties = {
      private: { ...event.extendedProperties?.private, ...patch.extendedProperties.private },
      shared: { ...event.extendedProperties?.shared, ...patch.extendedProperties.shared },
    };
  }
  return next;
}

/** Why Google would refuse to store the event (its 400 reason and message); null when it would not. */
export function validate(e: GoogleEvent): { reason: string; message: string } | null {
  const s = e.start?.dateTime ?? e.start?.date;
  const t = e.end?.dateTime ?? e.end?.date;
  if (!s || !t) return { reason: 'required', message: 'Missing end time.' };
  if (e.start?.dateTime && !/(?:Z|[+-]\d\d:\d\d)$/.test(e.start.dateTime) && !e.start.timeZone) return { reason: 'missingTimeZone', message: 'Missing time zone definition for start time.' };
  // Google expands a recurrence in start.timeZone, so a timed recurring event must name one.
  if (e.recurrence?.length && e.start?.dateTime && !e.start.timeZone) return { reason: 'missingTimeZone', message: 'Missing time zone definition for start time.' };
  if (Date.parse(t) < Date.parse(s)) return { reason: 'timeRangeEmpty', message: 'The specified time range is empty.' };
  return null;
}
