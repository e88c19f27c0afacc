import type pg from 'pg';
import type { Participant, Person, WeddingAccess, Workspace, WorkspaceKind, WorkspaceMembership, WorkspaceRole } from '../../schema/api/people.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import { storableText } from '../storage/storable-text.ts';
import {
  newParticipantRow, newPerson, newWorkspace, participantOf, personOf, routeOf, routesIntoWeddingsSql, storedEmail, workspaceOf, workspaceWeddings, type Row,
} from './people-rows.ts';
import { bestPerWedding, emailOutcomeOf, PeopleConflictError, resolveAccess, type NewParticipant, type PeopleStore, type SetEmailOutcome, type WorkspaceWedding } from './people-store.ts';
import { ParticipantChanges, type ParticipantListener } from './participant-changes.ts';

/** SQLSTATE unique_violation (PostgreSQL "Appendix A. Error Codes"). */
const UNIQUE_VIOLATION = '23505';
const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === UNIQUE_VIOLATION;

/**
 * People, workspaces, wedding ownership and participants on PostgreSQL
 * (schema/migrations/postgres/012_people.sql), so a person, a workspace or a share made through one
 * instance is seen by all: the same contract as SqlitePeopleStore (the PeopleStore docs). A clash
 * between instances (the same e-mail, the same participant, the same wedding registered at once)
 * is settled by the unique index: one insert wins, the other rejects with PeopleConflictError.
 * Text sorts COLLATE "C" (by code point, as SQLite's BINARY). Times are ms since the epoch, UTC
 * (bigint columns, read back as numbers). Other statements reject with the pg error.
 */
export class PostgresPeopleStore implements PeopleStore {
  private readonly participantChanges = new ParticipantChanges();

  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  private async one(sql: string, params: unknown[]): Promise<Row | undefined> {
    return (await this.pool.query(sql, params)).rows[0] as Row | undefined;
  }

  private async all(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.pool.query(sql, params)).rows as Row[];
  }

  async createPerson(input: { email?: string | null; name: string }): Promise<Person> {
    const person = newPerson(input, this.now());
    try {
      await this.pool.query('INSERT INTO people (id, email, name, created_at) VALUES ($1, $2, $3, $4)', [person.id, person.email, person.name, person.createdAt]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`a person with e-mail ${person.email} exists already`, { cause: error });
      throw error;
    }
    return person;
  }

  async getPerson(id: string): Promise<Person | null> {
    const row = await this.one('SELECT * FROM people WHERE id = $1', [id]);
    return row ? personOf(row) : null;
  }

  async findPersonByEmail(email: string): Promise<Person | null> {
    const row = await this.one('SELECT * FROM people WHERE email = $1', [storedEmail(email)]);
    return row ? personOf(row) : null;
  }

  async findPersonByIdentity(issuer: string, subject: string): Promise<Person | null> {
    const row = await this.one('SELECT p.* FROM person_identities i JOIN people p ON p.id = i.person_id WHERE i.issuer = $1 AND i.subject = $2',
      [storableText(issuer), storableText(subject)]);
    return row ? personOf(row) : null;
  }

  async identityIssuers(personId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ issuer: string }>('SELECT DISTINCT issuer FROM person_identities WHERE person_id = $1 ORDER BY issuer', [personId]);
    return rows.map((r) => r.issuer);
  }

  async linkIdentity(input: { issuer: string; subject: string; personId: string; email?: string | null }): Promise<void> {
    await this.pool.query(`INSERT INTO person_identities (issuer, subject, person_id, email, created_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (issuer, subject) DO UPDATE SET email = excluded.email`,
    [storableText(input.issuer), storableText(input.subject), input.personId, input.email == null ? null : storableText(input.email), this.now()]);
  }

  async renamePerson(id: string, name: string): Promise<void> {
    await this.pool.query('UPDATE people SET name = $1 WHERE id = $2', [storableText(name.trim()), id]);
  }

  async setPersonEmail(id: string, email: string): Promise<SetEmailOutcome> {
    try {
      if ((await this.pool.query('UPDATE people SET email = $1 WHERE id = $2 AND email IS NULL', [storedEmail(email), id])).rowCount === 1) return 'set';
    } catch (error) {
      if (isUniqueViolation(error)) return 'taken';
      throw error;
    }
    return emailOutcomeOf(await this.getPerson(id), email);
  }

  async createWorkspace(input: { name: string; kind: WorkspaceKind }, ownerId: string): Promise<Workspace> {
    const ws = newWorkspace(input, this.now());
    await inTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO workspaces (id, name, kind, created_at) VALUES ($1, $2, $3, $4)', [ws.id, ws.name, ws.kind, ws.createdAt]);
      await client.query("INSERT INTO workspace_members (workspace_id, person_id, role, created_at) VALUES ($1, $2, 'owner', $3)", [ws.id, ownerId, ws.createdAt]);
    });
    return ws;
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const row = await this.one('SELECT * FROM workspaces WHERE id = $1', [id]);
    return row ? workspaceOf(row) : null;
  }

  async membershipsOf(personId: string): Promise<WorkspaceMembership[]> {
    const rows = await this.all(`SELECT w.*, m.role AS member_role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.person_id = $1 ORDER BY w.name COLLATE "C", w.id COLLATE "C"`, [personId]);
    return rows.map((r) => ({ workspace: workspaceOf(r), role: r.member_role as WorkspaceRole }));
  }

  async memberRole(workspaceId: string, personId: string): Promise<WorkspaceRole | null> {
    const row = await this.one('SELECT role FROM workspace_members WHERE workspace_id = $1 AND person_id = $2', [workspaceId, personId]);
    return (row?.role as WorkspaceRole | undefined) ?? null;
  }

  async addMember(workspaceId: string, personId: string, role: WorkspaceRole): Promise<void> {
    await this.pool.query(`INSERT INTO workspace_members (workspace_id, person_id, role, created_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (workspace_id, person_id) DO UPDATE SET role = excluded.role`, [workspaceId, personId, role, this.now()]);
  }

  async removeMember(workspaceId: string, personId: string): Promise<void> {
    await this.pool.query('DELETE FROM workspace_members WHERE workspace_id = $1 AND person_id = $2', [workspaceId, personId]);
  }

  async membersOf(workspaceId: string): Promise<Array<{ person: Person; role: WorkspaceRole }>> {
    const rows = await this.all(`SELECT p.*, m.role AS member_role FROM workspace_members m JOIN people p ON p.id = m.person_id
      WHERE m.workspace_id = $1 ORDER BY p.name COLLATE "C", p.id COLLATE "C"`, [workspaceId]);
    return rows.map((r) => ({ person: personOf(r), role: r.member_role as WorkspaceRole }));
  }

  async registerWedding(input: { id: string; workspaceId: string | null; createdBy?: string }): Promise<void> {
    try {
      await this.pool.query('INSERT INTO weddings (id, workspace_id, created_by, created_at) VALUES ($1, $2, $3, $4)', [input.id, input.workspaceId, input.createdBy ?? null, this.now()]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`wedding ${input.id} is registered already`, { cause: error });
      throw error;
    }
  }

  async weddingWorkspace(weddingId: string): Promise<string | null | undefined> {
    const row = await this.one('SELECT workspace_id FROM weddings WHERE id = $1', [weddingId]);
    return row ? (row.workspace_id as string | null) : undefined;
  }

  async addParticipant(input: NewParticipant): Promise<Participant> {
    const row = newParticipantRow(input, this.now());
    try {
      await this.pool.query(`INSERT INTO participants (id, wedding_id, person_id, vendor_workspace_id, role, vendor_id, created_by, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [row.id, row.wedding_id, row.person_id, row.vendor_workspace_id, row.role, row.vendor_id, row.created_by, row.created_at]);
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`already a participant of wedding ${input.weddingId}`, { cause: error });
      throw error;
    }
    this.participantChanges.emit({ weddingId: input.weddingId, vendorId: row.vendor_id });
    return participantOf(row);
  }

  async participantsOf(weddingId: string): Promise<Participant[]> {
    return (await this.all('SELECT * FROM participants WHERE wedding_id = $1 ORDER BY created_at, id COLLATE "C"', [weddingId])).map(participantOf);
  }

  async removeParticipant(weddingId: string, participantId: string): Promise<boolean> {
    const { rows: [gone] } = await this.pool.query<{ vendor_id: string | null }>('DELETE FROM participants WHERE wedding_id = $1 AND id = $2 RETURNING vendor_id', [weddingId, participantId]);
    if (gone) this.participantChanges.emit({ weddingId, vendorId: gone.vendor_id });
    return gone !== undefined;
  }

  async setParticipantWorkspace(weddingId: string, participantId: string, vendorWorkspaceId: string): Promise<boolean> {
    let changed: { vendor_id: string | null } | undefined;
    try {
      ({ rows: [changed] } = await this.pool.query<{ vendor_id: string | null }>('UPDATE participants SET vendor_workspace_id = $1 WHERE wedding_id = $2 AND id = $3 RETURNING vendor_id', [vendorWorkspaceId, weddingId, participantId]));
    } catch (error) {
      if (isUniqueViolation(error)) throw new PeopleConflictError(`that workspace takes part in wedding ${weddingId} already`, { cause: error });
      throw error;
    }
    if (changed) this.participantChanges.emit({ weddingId, vendorId: changed.vendor_id });
    return changed !== undefined;
  }

  onParticipantsChanged(listener: ParticipantListener): void {
    this.participantChanges.on(listener);
  }

  async accessFor(personId: string, weddingId: string): Promise<WeddingAccess | null> {
    return resolveAccess((await this.all(routesIntoWeddingsSql('$1', '$2'), [personId, weddingId])).map(routeOf));
  }

  async weddingsFor(personId: string): Promise<WeddingAccess[]> {
    return bestPerWedding((await this.all(routesIntoWeddingsSql('$1'), [personId])).map(routeOf));
  }

  async weddingsOfWorkspace(workspaceId: string): Promise<WorkspaceWedding[]> {
    const own = (await this.all('SELECT id FROM weddings WHERE workspace_id = $1', [workspaceId])).map((r) => r.id as string);
    const asVendor = await this.all(`SELECT p.wedding_id, p.vendor_id, w.workspace_id FROM participants p JOIN weddings w ON w.id = p.wedding_id WHERE p.vendor_workspace_id = $1
      ORDER BY p.vendor_id COLLATE "C"`, [workspaceId]);
    return workspaceWeddings(workspaceId, own, asVendor);
  }
}
