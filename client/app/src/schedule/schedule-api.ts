import { z } from 'zod';
import { CrewUpdateResponse, MyScheduleResponse, VendorRecordResponse, type ScheduleEvent, type ScheduleWedding, type VendorRecordBody } from '../../../../schema/api/schedule.ts';
import { apiRequest, type Csrf } from '../api/api-client.ts';

export type { ScheduleEvent, ScheduleWedding };

/** The schedule as last read from the server, kept for offline starts. */
export interface StoredSchedule {
  personId: string;
  /** When it was read (ms since the epoch, this browser's clock). */
  savedAt: number;
  weddings: ScheduleWedding[];
}

const STORAGE_KEY = 'wedsync.schedule';
const Stored = z.object({ personId: z.string(), savedAt: z.number(), weddings: MyScheduleResponse.shape.weddings });

/** `GET /api/me/schedule` (session cookie): the vendor's weddings, events and own payments. */
export async function fetchMySchedule(signal?: AbortSignal): Promise<ScheduleWedding[]> {
  return (await apiRequest('/api/me/schedule', { schema: MyScheduleResponse, signal })).weddings;
}

/** `PUT /api/me/schedule/{weddingId}/events/{eventId}/crew`: the vendor's own call time (ISO instant, or '' for none). */
export async function saveCallTime(csrf: Csrf, weddingId: string, eventId: string, callTime: string): Promise<ScheduleEvent> {
  const path = `/api/me/schedule/${encodeURIComponent(weddingId)}/events/${encodeURIComponent(eventId)}/crew`;
  return (await apiRequest(path, { method: 'PUT', csrf, body: { callTime }, schema: CrewUpdateResponse })).event;
}

/** The same route with what changed of the vendor's crew notes and confirmation: the call time (and anything not sent) stays as the server has it. */
export async function saveCrewEntry(csrf: Csrf, weddingId: string, eventId: string, entry: { notes?: string; confirmed?: boolean }): Promise<ScheduleEvent> {
  const path = `/api/me/schedule/${encodeURIComponent(weddingId)}/events/${encodeURIComponent(eventId)}/crew`;
  return (await apiRequest(path, { method: 'PUT', csrf, body: entry, schema: CrewUpdateResponse })).event;
}

/** `PUT /api/me/schedule/{weddingId}/vendor`: the vendor's own e-mail and phone on that wedding. */
export async function saveVendorRecord(csrf: Csrf, weddingId: string, body: VendorRecordBody): Promise<ScheduleWedding['vendor']> {
  return (await apiRequest(`/api/me/schedule/${encodeURIComponent(weddingId)}/vendor`, { method: 'PUT', csrf, body, schema: VendorRecordResponse })).vendor;
}

/**
 * The copy kept on this browser for the person, so the schedule opens with no network (the app
 * shell comes from the service worker). localStorage, like the wedding copies in IndexedDB: it is
 * what this person may already read, and signing out removes it (forgetSchedule).
 */
export function storedSchedule(personId: string | null): StoredSchedule | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = Stored.safeParse(JSON.parse(raw));
    if (!parsed.success || (personId !== null && parsed.data.personId !== personId)) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

export function storeSchedule(personId: string, weddings: ScheduleWedding[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ personId, savedAt: Date.now(), weddings } satisfies StoredSchedule));
  } catch {
    // Storage full or disabled: the schedule still works online.
  }
}

export function forgetSchedule(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}
