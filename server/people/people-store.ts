import type { Participant, Person, WeddingAccess, WeddingRole, Workspace, WorkspaceKind, WorkspaceMembership, WorkspaceRole } from '../../schema/api/people.ts';
import type { Db } from '../storage/database.ts';
import { storableText } from '../storage/storable-text.ts';
import { WedSyncError } from '../errors.ts';
import { ParticipantChanges, type ParticipantListener } from './participant-changes.ts';
import {
  newParticipantRow, newPerson, newWorkspace, participantOf, personOf, routeOf, routesIntoWeddingsSql, storedEmail, workspaceOf, workspaceWeddings, type Row,
} from './people-rows.ts';

/** What setPersonEmail did (see there). */
export type SetEmailOutcome = 'set' | 'has_email' | 'taken' | 'unknown';

/** After a conditional update changed nothing: why, from the person as they are now. */
export function emailOutcomeOf(person: Person | null, email: string): SetEmailOutcome {
  if (!person) return 'unknown';
  return person.email === storedEmail(email) ? 'set' : 'has_email';
}

export interface NewParticipant {
  weddingId: string;
  role: WeddingRole;
  personId?: string;
  /** For vendors: every member of this workspace acts as the vendor. */
  vendorWorkspaceId?: string;
  /** Required for `vendor`: the vendor entry (`vendors.<vendorId>`). */
  vendorId?: string;
  createdBy?: string;
}

/** One of a workspace's weddings: its own (planner) or one it is bound to as a vendor. */
export interface WorkspaceWedding { weddingId: string; role: 'planner' | 'vendor'; vendorId?: string; ownerWorkspaceId: string | null }

/**
 * People, workspaces, wedding ownership and participants (schema/migrations/015_people.sql; on
 * PostgreSQL schema/migrations/postgres/012_people.sql). Two backends keep this contract:
 * SqlitePeopleStore (here) and PostgresPeopleStore. Times are ms since the epoch, UTC.
 * Text (names, e-mail addresses, identity claims) is stored as both engines can hold it: U+0000 and
 * lone surrogates become U+FFFD, and what is returned is what was stored; e-mail addresses are
 * trimmed and lower-cased, and looked up the same way. Lists sort text by code point (SQLite's
 * BINARY, PostgreSQL's "C").
 * Errors: a unique-constraint clash (the same e-mail twice, the same participant twice, a wedding
 * registered twice) rejects with PeopleConflictError; a participant without a person or vendor
 * workspace, or a vendor without a vendor id, with RangeError before anything is written; other
 * storage errors (a person or workspace that does not exist) reject as the engine's error.
 */
export interface PeopleStore {
  createPerson(input: { email?: string | null; name: string }): Promise<Person>;
  getPerson(id: string): Promise<Person | null>;
  findPersonByEmail(email: string): Promise<Person | null>;
  findPersonByIdentity(issuer: string, subject: string): Promise<Person | null>;
  /** The issuers (their ID tokens' `iss`) of the provider accounts (OpenID Connect) linked to the person, each once. */
  identityIssuers(personId: string): Promise<string[]>;
  linkIdentity(input: { issuer: string; subject: string; personId: string; email?: string | null }): Promise<void>;
  renamePerson(id: string, name: string): Promise<void>;
  /**
   * Gives a person who has no e-mail address this one (lower-cased), once its owner proved it
   * (POST /api/me/email). `set` (also when they already have exactly this address), `has_email` (they
   * have another: nothing changed), `taken` (another person has it: nothing changed), `unknown`.
   */
  setPersonEmail(id: string, email: string): Promise<SetEmailOutcome>;

  createWorkspace(input: { name: string; kind: WorkspaceKind }, ownerId: string): Promise<Workspace>;
  getWorkspace(id: string): Promise<Workspace | null>;
  membershipsOf(personId: string): Promise<WorkspaceMembership[]>;
  memberRole(workspaceId: string, personId: string): Promise<WorkspaceRole | null>;
  addMember(workspaceId: string, personId: string, role: WorkspaceRole): Promise<void>;
  removeMember(workspaceId: string, personId: string): Promise<void>;
  membersOf(workspaceId: string): Promise<Array<{ person: Person; role: WorkspaceRole }>>;

  /** Records which workspace a wedding belongs to (null: an operator's wedding, outside any workspace). */
  registerWedding(input: { id: string; workspaceId: string | null; createdBy?: string }): Promise<void>;
  /** The wedding's workspace: a string, null when the wedding is registered outside any workspace, undefined when unknown. */
  weddingWorkspace(weddingId: string): Promise<string | null | undefined>;

  addParticipant(input: NewParticipant): Promise<Participant>;
  participantsOf(weddingId: string): Promise<Participant[]>;
  removeParticipant(weddingId: string, participantId: string): Promise<boolean>;
  /**
   * Binds a participant row to a vendor workspace (its members then act as its vendor), in place:
   * false when the wedding has no such row. Throws PeopleConflictError when the workspace takes part
   * in the wedding already.
   */
  setParticipantWorkspace(weddingId: string, participantId: string, vendorWorkspaceId: string): Promise<boolean>;
  /** Called after each participant this instance adds or removes (participant-changes.ts). */
  onParticipantsChanged(listener: ParticipantListener): void;

  /** What `personId` may do in `weddingId`, or null when nothing (see resolveAccess for the precedence). */
  accessFor(personId: string, weddingId: string): Promise<WeddingAccess | null>;
  /** Every wedding the person takes part in, through any workspace or participant row, sorted by id. */
  weddingsFor(personId: string): Promise<WeddingAccess[]>;
  /** Every wedding a workspace works on: its own and those it is bound to as a vendor, across planners. */
  weddingsOfWorkspace(workspaceId: string): Promise<WorkspaceWedding[]>;
}

/** A unique row (a person's e-mail, a wedding id, a participant) exists already: HTTP 409 `conflict`. */
export class PeopleConflictError extends WedSyncError<'conflict'> {
  override readonly name = 'PeopleConflictError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('conflict', message, options);
  }
}

const ROLE_RANK: Record<WeddingRole, number> = { planner: 3, couple: 2, vendor: 1, viewer: 0 };

/**
 * Picks one access from every route a person has into a wedding: the highest role wins
 * (planner > couple > vendor > viewer); among vendors, a personal participant row wins over a
 * workspace binding, then the lowest vendor id (deterministic).
 */
export function resolveAccess(candidates: WeddingAccess[]): WeddingAccess | null {
  let best: WeddingAccess | null = null;
  for (const c of candidates) {
    if (!best) { best = c; continue; }
    const byRank = ROLE_RANK[c.role] - ROLE_RANK[best.role];
    if (byRank > 0 || (byRank === 0 && c.via === 'participant' && best.via !== 'participant')
      || (byRank === 0 && c.via === best.via && (c.vendorId ?? '') < (best.vendorId ?? ''))) best = c;
  }
  return best;
}

/** One access per wedding (resolveAccess over its routes), sorted by wedding id (UTF-16 code units). */
export function bestPerWedding(routes: WeddingAccess[]): WeddingAccess[] {
  const byWedding = new Map<string, WeddingAccess[]>();
  for (const c of routes) byWedding.set(c.weddingId, [...(byWedding.get(c.weddingId) ?? []), c]);
  return [...byWedding.keys()].sort().map((id) => resolveAccess(byWedding.get(id)!)!);
}

function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** PeopleStore on the embedded SQLite database. */
export class SqlitePeopleStore implements PeopleStore {
  private readonly participantChanges = new ParticipantChanges();

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  onParticipantsChanged(listener: ParticipantListener): void {
    this.participantChanges.on(listener);
  }

  async createPerson(input: { email?: string | null; name: string }): Promise<Person> {
    const person = newPerson(input, this.now());
    try {
      this.db.prepare('INSERT INTO people (id, email, name, created_at) VALUES (?, ?, ?, ?)').run(person.id, person.email, person.name, person.createdAt);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`a person with e-mail ${person.email} exists already`, { cause: error });
      throw error;
    }
    return person;
  }

  async getPerson(id: string): Promise<Person | null> {
    const row = this.db.prepare('SELECT * FROM people WHERE id = ?').get(id) as Row | undefined;
    return row ? personOf(row) : null;
  }

  async findPersonByEmail(email: string): Promise<Person | null> {
    const row = this.db.prepare('SELECT * FROM people WHERE email = ?').get(storedEmail(email)) as Row | undefined;
    return row ? personOf(row) : null;
  }

  async findPersonByIdentity(issuer: string, subject: string): Promise<Person | null> {
    const row = this.db.prepare('SELECT p.* FROM person_identities i JOIN people p ON p.id = i.person_id WHERE i.issuer = ? AND i.subject = ?')
      .get(storableText(issuer), storableText(subject)) as Row | undefined;
    return row ? personOf(row) : null;
  }

  async identityIssuers(personId: string): Promise<string[]> {
    return this.db.prepare('SELECT DISTINCT issuer FROM person_identities WHERE person_id = ? ORDER BY issuer').pluck().all(personId) as string[];
  }

  async linkIdentity(input: { issuer: string; subject: string; personId: string; email?: string | null }): Promise<void> {
    this.db.prepare('INSERT INTO person_identities (issuer, subject, person_id, email, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email')
      .run(storableText(input.issuer), storableText(input.subject), input.personId, input.email == null ? null : storableText(input.email), this.now());
  }

  async renamePerson(id: string, name: string): Promise<void> {
    this.db.prepare('UPDATE people SET name = ? WHERE id = ?').run(storableText(name.trim()), id);
  }

  async setPersonEmail(id: string, email: string): Promise<SetEmailOutcome> {
    try {
      if (this.db.prepare('UPDATE people SET email = ? WHERE id = ? AND email IS NULL').run(storedEmail(email), id).changes === 1) return 'set';
    } catch (error) {
      if (isUniqueViolation(error)) return 'taken';
      throw error;
    }
    return emailOutcomeOf(await this.getPerson(id), email);
  }

  async createWorkspace(input: { name: string; kind: WorkspaceKind }, ownerId: string): Promise<Workspace> {
    const ws = newWorkspace(input, this.now());
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO workspaces (id, name, kind, created_at) VALUES (?, ?, ?, ?)').run(ws.id, ws.name, ws.kind, ws.createdAt);
      this.db.prepare("INSERT INTO workspace_members (workspace_id, person_id, role, created_at) VALUES (?, ?, 'owner', ?)").run(ws.id, ownerId, ws.createdAt);
    })();
    return ws;
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const row = this.db.prepare('SELECT * FROM workspaces WHERE id = ?').get(id) as Row | undefined;
    return row ? workspaceOf(row) : null;
  }

  async membershipsOf(personId: string): Promise<WorkspaceMembership[]> {
    const rows = this.db.prepare('SELECT w.*, m.role AS member_role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.person_id = ? ORDER BY w.name, w.id').all(personId) as Row[];
    return rows.map((r) => ({ workspace: workspaceOf(r), role: r.member_role as WorkspaceRole }));
  }

  async memberRole(workspaceId: string, personId: string): Promise<WorkspaceRole | null> {
    return (this.db.prepare('SELECT role FROM workspace_members WHERE workspace_id = ? AND person_id = ?').pluck().get(workspaceId, personId) as WorkspaceRole | undefined) ?? null;
  }

  async addMember(workspaceId: string, personId: string, role: WorkspaceRole): Promise<void> {
    this.db.prepare('INSERT INTO workspace_members (workspace_id, person_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id, person_id) DO UPDATE SET role = excluded.role')
      .run(workspaceId, personId, role, this.now());
  }

  async removeMember(workspaceId: string, personId: string): Promise<void> {
    this.db.prepare('DELETE FROM workspace_members WHERE workspace_id = ? AND person_id = ?').run(workspaceId, personId);
  }

  async membersOf(workspaceId: string): Promise<Array<{ person: Person; role: WorkspaceRole }>> {
    const rows = this.db.prepare('SELECT p.*, m.role AS member_role FROM workspace_members m JOIN people p ON p.id = m.person_id WHERE m.workspace_id = ? ORDER BY p.name, p.id').all(workspaceId) as Row[];
    return rows.map((r) => ({ person: personOf(r), role: r.member_role as WorkspaceRole }));
  }

  async registerWedding(input: { id: string; workspaceId: string | null; createdBy?: string }): Promise<void> {
    try {
      this.db.prepare('INSERT INTO weddings (id, workspace_id, created_by, created_at) VALUES (?, ?, ?, ?)').run(input.id, input.workspaceId, input.createdBy ?? null, this.now());
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`wedding ${input.id} is registered already`, { cause: error });
      throw error;
    }
  }

  async weddingWorkspace(weddingId: string): Promise<string | null | undefined> {
    const row = this.db.prepare('SELECT workspace_id FROM weddings WHERE id = ?').get(weddingId) as { workspace_id: string | null } | undefined;
    return row ? row.workspace_id : undefined;
  }

  async addParticipant(input: NewParticipant): Promise<Participant> {
    const row = newParticipantRow(input, this.now());
    try {
      this.db.prepare(`INSERT INTO participants (id, wedding_id, person_id, vendor_workspace_id, role, vendor_id, created_by, created_at)
        VALUES (@id, @wedding_id, @person_id, @vendor_workspace_id, @role, @vendor_id, @created_by, @created_at)`).run(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`already a participant of wedding ${input.weddingId}`, { cause: error });
      throw error;
    }
    this.participantChanges.emit({ weddingId: input.weddingId, vendorId: row.vendor_id });
    return participantOf(row);
  }

  async participantsOf(weddingId: string): Promise<Participant[]> {
    return (this.db.prepare('SELECT * FROM participants WHERE wedding_id = ? ORDER BY created_at, id').all(weddingId) as Row[]).map(participantOf);
  }

  async removeParticipant(weddingId: string, participantId: string): Promise<boolean> {
    const gone = this.db.prepare('DELETE FROM participants WHERE wedding_id = ? AND id = ? RETURNING vendor_id').get(weddingId, participantId) as { vendor_id: string | null } | undefined;
    if (gone) this.participantChanges.emit({ weddingId, vendorId: gone.vendor_id });
    return gone !== undefined;
  }

  async setParticipantWorkspace(weddingId: string, participantId: string, vendorWorkspaceId: string): Promise<boolean> {
    let changed: { vendor_id: string | null } | undefined;
    try {
      changed = this.db.prepare('UPDATE participants SET vendor_workspace_id = ? WHERE wedding_id = ? AND id = ? RETURNING vendor_id').get(vendorWorkspaceId, weddingId, participantId) as { vendor_id: string | null } | undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`that workspace takes part in wedding ${weddingId} already`, { cause: error });
      throw error;
    }
    if (changed) this.participantChanges.emit({ weddingId, vendorId: changed.vendor_id });
    return changed !== undefined;
  }

  async accessFor(personId: string, weddingId: string): Promise<WeddingAccess | null> {
    return resolveAccess((this.db.prepare(routesIntoWeddingsSql('@personId', '@weddingId')).all({ personId, weddingId }) as Row[]).map(routeOf));
  }

  async weddingsFor(personId: string): Promise<WeddingAccess[]> {
    return bestPerWedding((this.db.prepare(routesIntoWeddingsSql('@personId')).all({ personId }) as Row[]).map(routeOf));
  }

  async weddingsOfWorkspace(workspaceId: string): Promise<WorkspaceWedding[]> {
    const own = this.db.prepare('SELECT id FROM weddings WHERE workspace_id = ?').pluck().all(workspaceId) as string[];
    const asVendor = this.db.prepare(`SELECT p.wedding_id, p.vendor_id, w.workspace_id FROM participants p JOIN weddings w ON w.id = p.wedding_id WHERE p.vendor_workspace_id = ?
      ORDER BY p.vendor_id`).all(workspaceId) as Row[];
    return workspaceWeddings(workspaceId, own, asVendor);
  }
}
