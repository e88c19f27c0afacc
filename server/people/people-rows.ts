import crypto from 'node:crypto';
import type { Participant, Person, WeddingAccess, WeddingRole, Workspace, WorkspaceKind } from '../../schema/api/people.ts';
import { storableText } from '../storage/storable-text.ts';
import type { NewParticipant, WorkspaceWedding } from './people-store.ts';

/**
 * What both PeopleStore backends share: row mappers (SQLite's integers and PostgreSQL's bigints,
 * read as strings, both become numbers), the records they insert, the one query of every route a
 * person has into weddings, and how a workspace's weddings are listed.
 */

export type Row = Record<string, unknown>;

/** `<prefix>_<random>`: 15 random bytes, base64url (20 characters). */
export function newId(prefix: 'per' | 'wks' | 'par' | 'ses' | 'inv' | 'key'): string {
  return `${prefix}_${crypto.randomBytes(15).toString('base64url')}`;
}

export const personOf = (r: Row): Person => ({ id: r.id as string, email: (r.email as string | null) ?? null, name: r.name as string, createdAt: Number(r.created_at) });
export const workspaceOf = (r: Row): Workspace => ({ id: r.id as string, name: r.name as string, kind: r.kind as WorkspaceKind, createdAt: Number(r.created_at) });
export const participantOf = (r: Row): Participant => ({
  id: r.id as string, weddingId: r.wedding_id as string, personId: (r.person_id as string | null) ?? null,
  vendorWorkspaceId: (r.vendor_workspace_id as string | null) ?? null, role: r.role as WeddingRole,
  vendorId: (r.vendor_id as string | null) ?? null, createdAt: Number(r.created_at),
});

/** An e-mail address as stored and looked up: trimmed, lower-cased, storable; null when empty. */
export function storedEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? storableText(trimmed) : null;
}

/** A new person as both backends store it: name trimmed, text storable (U+0000 and lone surrogates as U+FFFD). */
export function newPerson(input: { email?: string | null; name: string }, now: number): Person {
  return { id: newId('per'), email: storedEmail(input.email), name: storableText(input.name.trim()), createdAt: now };
}

export function newWorkspace(input: { name: string; kind: WorkspaceKind }, now: number): Workspace {
  return { id: newId('wks'), name: storableText(input.name.trim()), kind: input.kind, createdAt: now };
}

/** The participants row for `input`. Throws RangeError for a vendor without a vendor id (or another role with one), or no person and no vendor workspace. */
export function newParticipantRow(input: NewParticipant, now: number) {
  if ((input.role === 'vendor') !== (input.vendorId !== undefined)) throw new RangeError('a vendor participant needs a vendorId, and only vendors have one');
  if (!input.personId && !(input.role === 'vendor' && input.vendorWorkspaceId)) throw new RangeError('a participant is a person, or a vendor workspace');
  return {
    id: newId('par'), wedding_id: input.weddingId, person_id: input.personId ?? null, vendor_workspace_id: input.vendorWorkspaceId ?? null,
    role: input.role, vendor_id: input.vendorId ?? null, created_by: input.createdBy ?? null, created_at: now,
  };
}

/**
 * Every route into weddings a person has, one row each (`via`, `wedding_id`, `role`, `vendor_id`):
 * their workspace owns the wedding (planner), a participant row of their own, or a vendor
 * participant row of a workspace they belong to. `person` and `wedding` are the engine's
 * placeholders; without `wedding` it covers every wedding.
 */
export function routesIntoWeddingsSql(person: string, wedding?: string): string {
  const only = wedding === undefined ? '' : ` AND w.id = ${wedding}`;
  return `SELECT 'workspace' AS via, w.id AS wedding_id, 'planner' AS role, NULL AS vendor_id
      FROM weddings w JOIN workspace_members m ON m.workspace_id = w.workspace_id WHERE m.person_id = ${person}${only}
    UNION ALL
    SELECT 'participant', p.wedding_id, p.role, p.vendor_id
      FROM participants p JOIN weddings w ON w.id = p.wedding_id WHERE p.person_id = ${person}${only}
    UNION ALL
    SELECT 'vendor_workspace', p.wedding_id, 'vendor', p.vendor_id
      FROM participants p JOIN weddings w ON w.id = p.wedding_id JOIN workspace_members m ON m.workspace_id = p.vendor_workspace_id
      WHERE m.person_id = ${person}${only}`;
}

/** A row of routesIntoWeddingsSql as a WeddingAccess candidate. */
export const routeOf = (r: Row): WeddingAccess => ({
  weddingId: r.wedding_id as string, role: r.role as WeddingRole, ...(r.vendor_id ? { vendorId: r.vendor_id as string } : {}), via: r.via as WeddingAccess['via'],
});

/**
 * A workspace's own weddings (as planner) and those it is bound to as a vendor elsewhere, sorted by
 * wedding id (UTF-16 code units); `asVendor` comes sorted by vendor id, which orders one wedding's
 * several vendor entries.
 */
export function workspaceWeddings(workspaceId: string, own: string[], asVendor: Row[]): WorkspaceWedding[] {
  const list: WorkspaceWedding[] = [
    ...own.map((weddingId) => ({ weddingId, role: 'planner' as const, ownerWorkspaceId: workspaceId })),
    ...asVendor.filter((r) => !own.includes(r.wedding_id as string)).map((r) => ({ weddingId: r.wedding_id as string, role: 'vendor' as const, vendorId: r.vendor_id as string, ownerWorkspaceId: (r.workspace_id as string | null) ?? null })),
  ];
  return list.sort((a, b) => (a.weddingId < b.weddingId ? -1 : a.weddingId > b.weddingId ? 1 : 0));
}
