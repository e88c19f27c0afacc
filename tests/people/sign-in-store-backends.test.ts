import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_LINK_TTL_MS, SqliteEmailLinkStore, type EmailLinkStore } from '../../server/people/email-link-store.ts';
import { SqliteInvitationStore, type Invitation, type InvitationStore } from '../../server/people/invitation-store.ts';
import { SqlitePasskeyStore, type PasskeyStore } from '../../server/people/passkey-store.ts';
import { PostgresEmailLinkStore } from '../../server/people/postgres-email-link-store.ts';
import { PostgresInvitationStore } from '../../server/people/postgres-invitation-store.ts';
import { PostgresPasskeyStore } from '../../server/people/postgres-passkey-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. What signs a person in (an e-mailed link, an invitation or
// share link, a passkey) works through whichever instance the request reaches.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

interface Stores { links: EmailLinkStore; invitations: InvitationStore; passkeys: PasskeyStore }

/** One "instance" on the shared PostgreSQL: its own pool. */
function postgresStores(now: () => number): Stores {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return { links: new PostgresEmailLinkStore(pool, now), invitations: new PostgresInvitationStore(pool, now), passkeys: new PostgresPasskeyStore(pool, now) };
}
function sqliteStores(now: () => number): Stores {
  const sqlite = openDatabase(tempDir('sign-in-'), { synchronous: 'normal' });
  // Their rows reference people and weddings; the PostgreSQL twins have no such tables yet.
  sqlite.pragma('foreign_keys = OFF');
  registerTeardown(() => sqlite.close());
  return { links: new SqliteEmailLinkStore(sqlite, now), invitations: new SqliteInvitationStore(sqlite, now), passkeys: new SqlitePasskeyStore(sqlite, now) };
}

const BACKENDS: [string, (now: () => number) => Stores][] = [['sqlite', sqliteStores], ['postgres', postgresStores]];
const wedding = () => `w_${crypto.randomBytes(4).toString('hex')}`;
const person = () => `per_${crypto.randomBytes(4).toString('hex')}`;

describe.each(BACKENDS)('sign-in stores on %s', (_name, open) => {
  it('an e-mailed link signs in once, for its address and redirect; a wrong, unknown, used or expired one does not, and old ones are pruned', async () => {
    let now = Date.UTC(2026, 5, 1);
    const { links } = open(() => now);
    const { token, expiresAt } = await links.issue({ email: '  Ana@Example.COM ', redirect: '/weddings/w1', ip: '203.0.113.9' });
    expect(expiresAt).toBe(now + EMAIL_LINK_TTL_MS);
    const [id, secret] = token.split('.') as [string, string];
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${id}.${otherSecret}`, `eml_${'x'.repeat(20)}.${secret}`, 'nonsense', '', null, undefined]) {
      expect(await links.redeem(bad)).toEqual({ ok: false, code: 'link_invalid' });
    }
    // Clicked twice at once (two tabs, two instances): one sign-in.
    const clicks = await Promise.all(Array.from({ length: 6 }, () => links.redeem(token)));
    expect(clicks.filter((r) => r.ok)).toEqual([{ ok: true, email: 'ana@example.com', redirect: '/weddings/w1', personId: null }]);
    expect(clicks.filter((r) => !r.ok)).toEqual(Array(5).fill({ ok: false, code: 'link_used' }));

    // A link adding its address to a person (POST /api/me/email) carries that person.
    const adding = await links.issue({ email: 'Cy@Example.com', redirect: '/', personId: 'per_cy' });
    expect(await links.redeem(adding.token)).toEqual({ ok: true, email: 'cy@example.com', redirect: '/', personId: 'per_cy' });

    const late = await links.issue({ email: 'ben@example.com', redirect: '/' });
    now += EMAIL_LINK_TTL_MS;
    expect(await links.redeem(late.token)).toEqual({ ok: false, code: 'link_expired' });
    expect(await links.prune()).toBe(0);
    now += DAY + 1;
    expect(await links.prune()).toBe(3);
    expect(await links.redeem(late.token)).toEqual({ ok: false, code: 'link_invalid' });
  });

  it('an invitation opens for its token only, lists newest first, and refuses once revoked, expired or used up; racing people share the uses', async () => {
    let now = Date.UTC(2026, 5, 2);
    const { invitations } = open(() => now);
    const w = wedding();
    const share = await invitations.create({ weddingId: w, role: 'couple', invitedBy: 'per_p', expiresAt: now + DAY, maxUses: 3 });
    expect(share.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(share.invitation).toMatchObject({ weddingId: w, role: 'couple', vendorId: null, email: null, createdAt: now, expiresAt: now + DAY, maxUses: 3, uses: 0, revokedAt: null });
    now += 1;
    const personal = await invitations.create({ weddingId: w, role: 'vendor', vendorId: 'florist', email: ' Fleur@Example.com', invitedBy: 'per_p', expiresAt: now + HOUR, maxUses: 1 });
    expect(personal.invitation.email).toBe('fleur@example.com');
    expect((await invitations.listFor(w)).map((i) => i.id)).toEqual([personal.invitation.id, share.invitation.id]);
    expect(await invitations.listFor(wedding())).toEqual([]);

    expect(await invitations.open(share.token)).toEqual({ invitation: share.invitation });
    for (const bad of ['nonsense', share.token.slice(0, -1), `${share.token.slice(0, -1)}${share.token.endsWith('A') ? 'B' : 'A'}`]) {
      expect(await invitations.open(bad)).toEqual({ refused: 'invitation_unknown' });
    }

    // Six people racing for three uses: three get in.
    const raced = await Promise.all(Array.from({ length: 6 }, () => invitations.takeUse(share.invitation.id)));
    expect(raced.filter(Boolean)).toHaveLength(3);
    expect(await invitations.open(share.token)).toEqual({ refused: 'invitation_used_up' });
    await invitations.returnUse(share.invitation.id);
    expect(await invitations.open(share.token)).toMatchObject({ invitation: { uses: 2 } });

    expect(await invitations.revoke(wedding(), personal.invitation.id)).toBe(false);
    now += 5;
    expect(await invitations.revoke(w, personal.invitation.id)).toBe(true);
    now += 5;
    expect(await invitations.revoke(w, personal.invitation.id)).toBe(true);
    expect((await invitations.listFor(w))[0]!.revokedAt).toBe(now - 5);
    expect(await invitations.open(personal.token)).toEqual({ refused: 'invitation_unknown' });
    expect(await invitations.takeUse(personal.invitation.id)).toBe(false);

    now = share.invitation.expiresAt;
    expect(await invitations.open(share.token)).toEqual({ refused: 'invitation_expired' });
    expect(await invitations.takeUse(share.invitation.id)).toBe(false);
  });

  it('a passkey is registered once, to one person, keeps its key bytes and counter, and only its person removes it', async () => {
    let now = Date.UTC(2026, 5, 3);
    const { passkeys } = open(() => now);
    const [ana, ben] = [person(), person()];
    const key = (id: string, personId: string) => ({
      id, personId, publicKey: new Uint8Array(crypto.randomBytes(77)), counter: 0, transports: ['internal', 'hybrid'],
      deviceType: 'multiDevice' as const, backedUp: true, name: 'Phone',
    });
    const first = key(`cred-${crypto.randomBytes(6).toString('base64url')}`, ana);
    expect(await passkeys.add(first)).toEqual({ ...first, createdAt: now, lastUsedAt: null });
    expect(await passkeys.add({ ...key(first.id, ben), name: 'Stolen' })).toBeNull();
    const second = { ...key(`cred-${crypto.randomBytes(6).toString('base64url')}`, ana), transports: [], deviceType: 'singleDevice' as const, backedUp: false };
    expect(await passkeys.add(second)).not.toBeNull();
    const third = key(`a-${crypto.randomBytes(6).toString('base64url')}`, ana);
    await passkeys.add(third);
    // Same created_at: the id orders them ("a-…" before "cred-…").
    expect((await passkeys.listFor(ana)).map((p) => p.id)).toEqual([third.id, ...[first.id, second.id].sort()]);
    expect(await passkeys.listFor(ben)).toEqual([]);

    now += HOUR;
    await passkeys.used(first.id, 2 ** 32 - 1, false);
    const got = await passkeys.get(first.id);
    expect(got).toEqual({ ...first, counter: 2 ** 32 - 1, backedUp: false, createdAt: now - HOUR, lastUsedAt: now });
    expect(Buffer.from(got!.publicKey).equals(Buffer.from(first.publicKey))).toBe(true);
    expect(await passkeys.get('cred-unknown')).toBeNull();

    expect(await passkeys.remove(ben, first.id)).toBe(false);
    expect(await passkeys.remove(ana, first.id)).toBe(true);
    expect(await passkeys.remove(ana, first.id)).toBe(false);
    expect(await passkeys.get(first.id)).toBeNull();
  });

  it('a WebAuthn challenge is spent once, and forgotten only after its time', async () => {
    let now = Date.UTC(2026, 5, 3);
    const { passkeys } = open(() => now);
    const [c1, c2] = [crypto.randomBytes(32).toString('base64url'), crypto.randomBytes(32).toString('base64url')];
    expect(await passkeys.spendChallenge(c1, 300_000)).toBe(true);
    expect(await passkeys.spendChallenge(c1, 300_000)).toBe(false);
    expect(await passkeys.spendChallenge(c2, 300_000)).toBe(true);
    now += 299_999;
    expect(await passkeys.spendChallenge(c1, 300_000)).toBe(false);
    now += 1;
    // Past its time the sealed cookie carrying it has expired too; the row may go.
    expect(await passkeys.spendChallenge(c1, 300_000)).toBe(true);
    expect(await passkeys.spendChallenge(c2, 300_000)).toBe(true);
  });
});

describe('sign-in stores on PostgreSQL, across instances', () => {
  it('an invitation made through one instance opens through another, and people racing through both share its uses; a link, a credential and a challenge are each used once across both', async () => {
    const now = () => Date.now();
    const [a, b] = [postgresStores(now), postgresStores(now)];
    const w = wedding();
    const { invitation, token } = await a.invitations.create({ weddingId: w, role: 'viewer', invitedBy: 'per_p', expiresAt: Date.now() + DAY, maxUses: 2 });
    expect(await b.invitations.open(token)).toEqual({ invitation });
    const raced = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).invitations.takeUse(invitation.id)));
    expect(raced.filter(Boolean)).toHaveLength(2);
    expect(await a.invitations.open(token)).toEqual({ refused: 'invitation_used_up' });

    const link = await a.links.issue({ email: 'cy@example.com', redirect: '/' });
    const clicks = await Promise.all([a.links.redeem(link.token), b.links.redeem(link.token), b.links.redeem(link.token)]);
    expect(clicks.filter((r) => r.ok)).toHaveLength(1);

    const id = `cred-${crypto.randomBytes(6).toString('base64url')}`;
    const added = await Promise.all([a, b].map((s) => s.passkeys.add({ id, personId: person(), publicKey: new Uint8Array([1, 2, 3]), counter: 0, transports: [], deviceType: 'singleDevice', backedUp: false, name: 'Key' })));
    expect(added.filter((p) => p !== null)).toHaveLength(1);
    expect(await b.passkeys.get(id)).toEqual(added.find((p) => p !== null));

    const challenge = crypto.randomBytes(32).toString('base64url');
    const spent = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).passkeys.spendChallenge(challenge, 300_000)));
    expect(spent.filter(Boolean)).toHaveLength(1);
  });
});

type Op =
  | { kind: 'create'; maxUses: number; hours: number; email: boolean }
  | { kind: 'take' | 'give' | 'revoke' | 'open'; at: number }
  | { kind: 'wait'; ms: number };

describe('invitations: SQLite and PostgreSQL agree', () => {
  it('gives the same answers for any sequence of invitations, uses, returned uses, revocations and passing time', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), maxUses: fc.integer({ min: 1, max: 3 }), hours: fc.integer({ min: 1, max: 3 }), email: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('take' as const, 'give' as const, 'revoke' as const, 'open' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1, 30 * 60_000, HOUR) }),
    );
    let now = 0;
    const clock = () => now;
    // One store of each for all runs; each run has its own wedding.
    const stores = [sqliteStores(clock).invitations, postgresStores(clock).invitations];
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      now = Date.UTC(2026, 6, 1);
      const w = wedding();
      const made: { id: string; token: string }[][] = [[], []];
      // An invitation's id and token differ per backend: answers are compared without them.
      const plain = (i: Invitation) => ({ ...i, id: undefined });
      for (const o of ops) {
        const answers: unknown[] = [];
        for (const [n, store] of stores.entries()) {
          const mine = made[n]!;
          const target = mine.length ? mine[('at' in o ? o.at : 0) % mine.length]! : undefined;
          switch (o.kind) {
            case 'create': {
              const { invitation, token } = await store.create({ weddingId: w, role: 'couple', email: o.email ? 'Guest@Example.com' : null, invitedBy: 'per_p', expiresAt: now + o.hours * HOUR, maxUses: o.maxUses });
              mine.push({ id: invitation.id, token });
              answers.push(plain(invitation));
              break;
            }
            case 'take': answers.push(target ? await store.takeUse(target.id) : null); break;
            case 'give': answers.push(target ? await store.returnUse(target.id) : null); break;
            case 'revoke': answers.push(target ? await store.revoke(w, target.id) : null); break;
            case 'open': {
              const r = target ? await store.open(target.token) : null;
              answers.push(r && ('invitation' in r ? plain(r.invitation) : r));
              break;
            }
            case 'wait': answers.push(null); break;
          }
        }
        if (o.kind === 'wait') now += o.ms;
        expect(answers[1], JSON.stringify(o)).toEqual(answers[0]);
        const listed = await Promise.all(stores.map(async (s) => (await s.listFor(w)).map(plain)));
        // Invitations created in the same millisecond are ordered by their ids, which differ per backend: compared unordered.
        expect(sortJson(listed[1]!)).toEqual(sortJson(listed[0]!));
      }
    }), { numRuns: 25 });
  });
});

const sortJson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
