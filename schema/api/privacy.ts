import { z } from 'zod';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/**
 * Personal data export and erasure (GDPR articles 15, 17 and 20; docs/privacy.md). `{id}` is
 * `per_<id>` (a person with an account), `contact:<weddingId>:<contactId>` or
 * `vendor:<weddingId>:<vendorId>` (an entry of a wedding's document).
 */
export const PersonExport = z.object({
  subject: z.object({ kind: z.enum(['person', 'contact', 'vendor']), id: z.string() }).loose(),
  exportedAt: z.string(),
  /** The names, e-mail addresses and phone numbers searched for. */
  identifiers: z.object({ names: z.array(z.string()), emails: z.array(z.string()), phones: z.array(z.string()) }),
  /** People only: account, identities, memberships, participations, sessions (metadata), passkeys (metadata). */
  account: z.record(z.string(), z.unknown()).optional(),
  weddings: z.array(z.object({
    weddingId: z.string(),
    document: z.record(z.string(), z.unknown()),
    snapshots: z.array(z.record(z.string(), z.unknown())),
    activity: z.array(z.record(z.string(), z.unknown())),
    rows: z.array(z.object({ table: z.string(), row: z.record(z.string(), z.unknown()) })),
    externalSystems: z.array(z.object({ integrationId: z.string(), system: z.string() })),
  }).loose()),
});

export const PersonErasure = z.object({
  subject: z.object({ kind: z.enum(['person', 'contact', 'vendor']), id: z.string() }).loose(),
  erasedAt: z.string(),
  weddings: z.array(z.object({
    weddingId: z.string(),
    documentChanges: z.number().int(),
    snapshotsRewritten: z.number().int(),
    rows: z.record(z.string(), z.number().int()),
    historyCompacted: z.boolean(),
  })),
  account: z.record(z.string(), z.number().int()).optional(),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const PRIVACY_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/people/{id}/export', summary: "Everything held about one person (account, or a wedding's contact / vendor entry), as JSON", auth: 'bearer', orSession: true, responses: { 200: PersonExport, ...errors } },
  { method: 'post', path: '/api/people/{id}/erase', summary: 'Erase one person everywhere: live documents, their history, snapshots, payloads, messages, audit and activity', auth: 'bearer', orSession: true, responses: { 200: PersonErasure, ...errors, 503: ErrorBody } },
];
