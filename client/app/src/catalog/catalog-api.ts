import { z } from 'zod';
import type { CatalogEntry, Connection } from '../../../../adapters/catalog.ts';
import type { ConnectForm, FormField } from '../../../../adapters/catalog-forms.ts';
import { ConnectionResult } from '../../../../schema/api/connections.ts';
import { FeedCreated } from '../../../../schema/api/calendar.ts';
import { apiRequest } from '../api/api-client.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

export type { CatalogEntry, Connection, ConnectForm, FormField };

/** The catalogue is checked for its outline only: its entries are the server's adapters/catalog.ts, read as they are. */
const Catalog = z.object({ systems: z.array(z.custom<CatalogEntry>((v) => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string')) });

/** `GET /api/integrations/catalog` (session cookie): every system, by category then name. */
export function fetchCatalog(signal?: AbortSignal): Promise<CatalogEntry[]> {
  return apiRequest('/api/integrations/catalog', { schema: Catalog, signal }).then((b) => b.systems);
}

/** `POST /api/integrations/vendor/connect` with `workspaceId`: what a generated form sends. */
export function connectSystem(token: string, body: { workspaceId: string; system: string; credentials: Record<string, unknown>; configuration: Record<string, unknown>; label?: string }): Promise<ConnectionResult> {
  return apiRequest('/api/integrations/vendor/connect', { token, method: 'POST', body, schema: ConnectionResult });
}

/** `POST /api/calendar/feeds`: a subscribable ICS feed of a wedding (its URL is the secret). */
export function createFeed(token: string, body: Record<string, unknown>): Promise<FeedCreated> {
  return apiRequest('/api/calendar/feeds', { token, method: 'POST', body, schema: FeedCreated });
}

/** `POST /api/connections/:id/rotate-url-token`: a new secret URL; the old one is refused at once. */
export function rotateSecretUrl(token: string, connectionId: string): Promise<string> {
  return apiRequest(`/api/connections/${encodeURIComponent(connectionId)}/rotate-url-token`, { token, method: 'POST', body: {}, schema: z.object({ secretUrl: z.string() }) }).then((b) => b.secretUrl);
}

/** How one way of connecting reads on screen. */
export function connectionKindLabel(c: Connection): string {
  switch (c.kind) {
    case 'api': return 'API';
    case 'preset': return `${c.via.map((v) => (v === 'zapier' ? 'Zapier' : 'Make')).join('/')} preset`;
    case 'csv': return 'CSV import';
    case 'calendar_feed': return c.direction === 'outbound' ? 'Calendar feed (ours)' : 'Calendar feed';
    case 'caldav': return 'CalDAV';
    case 'not_supported': return 'Not supported';
  }
}

const CATEGORY_WORDS = lookupTable<string>({
  booking_system: 'Booking', calendar_system: 'Calendars', catering_system: 'Catering', communication: 'Messaging',
  florist_software: 'Florists', payment_processor: 'Payments', photography_crm: 'Photography CRM',
  venue_management: 'Venues', wedding_planning: 'Wedding planning',
});

export function categoryLabel(category: string): string {
  return CATEGORY_WORDS[category] ?? category.replace(/_/g, ' ');
}

/** Whether an entry matches a search: its name, other names, category and ways of connecting. */
export function matchesSearch(entry: CatalogEntry, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  const hay = [entry.name, entry.id, ...entry.aliases, categoryLabel(entry.category), ...entry.connects.map(connectionKindLabel)].join(' ').toLocaleLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}

/** Sort key of a match: 0 when its name or another name starts with the query, 1 when a name contains it, 2 otherwise (category, ways). */
export function matchRank(entry: CatalogEntry, query: string): number {
  const q = query.trim().toLocaleLowerCase();
  const names = [entry.name, ...entry.aliases].map((n) => n.toLocaleLowerCase());
  if (!q || names.some((n) => n.startsWith(q))) return 0;
  return names.some((n) => n.includes(q)) ? 1 : 2;
}
