import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../server/storage/group-commit.ts';

function setup(): { db: Database.Database; group: GroupCommit; errors: unknown[]; rows: () => number } {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v BLOB NOT NULL)');
  const errors: unknown[] = [];
  const group = new GroupCommit(db, (e) => errors.push(e));
  return { db, group, errors, rows: () => db.prepare('SELECT count(*) FROM t').pluck().get() as number };
}
const insert = (db: Database.Database, bytes = 10) => db.prepare('INSERT INTO t (v) VALUES (?)').run(Buffer.alloc(bytes));
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  it('tells settled listeners before the waiting acknowledgements when a group fails, and keeps nothing of it', async () => {
    const { db, group, errors, rows } = setup();
    const order: string[] = [];
    group.onSettled((committed) => order.push(`settled:${committed}`));
    group.write(() => insert(db));
    group.afterCommit((committed) => order.push(`ack:${committed}`));
    group.abort(new Error('disk full'));
    expect(order).toEqual(['settled:false', 'ack:false']);
    expect(rows()).toBe(0);
    expect(errors).toHaveLength(1);
    group.write(() => insert(db));
    await nextTurn();
    expect(rows()).toBe(1);
    expect(order.slice(2)).toEqual(['settled:true']);
  });

  it('reports to each tracked caller only the fate of the groups it wrote in', async () => {
    const { db, group } = setup();
    const first = group.track(async () => { group.write(() => insert(db)); });
    expect((await first).committed).toBe(true);
    const doomed = group.track(async () => {
      group.write(() => insert(db));
      await Promise.resolve();
      group.abort(new Error('could not store'));
    });
    const bystander = group.track(async () => { await nextTurn(); await nextTurn(); });
    expect(await doomed).toMatchObject({ committed: false, wrote: true });
    expect(await bystander).toMatchObject({ committed: true, wrote: false });
  });

  it('commits a group of collaboration messages as soon as asked, but leaves one another writer joined for the end of the turn', async () => {
    const { db, group, rows } = setup();
    const acks: string[] = [];
    group.write(() => insert(db), 'message');
    group.afterCommit(() => acks.push('first message'));
    expect(group.commitMessages()).toBe(true);
    expect(acks).toEqual(['first message']);
    expect(group.pending).toBe(false);
    expect(rows()).toBe(1);

    group.write(() => insert(db), 'message');
    group.write(() => insert(db));
    group.afterCommit(() => acks.push('message and request'));
    expect(group.commitMessages()).toBe(false);
    expect(acks).toEqual(['first message']);
    await nextTurn();
    expect(acks).toEqual(['first message', 'message and request']);
    expect(rows()).toBe(3);
  });

  it('fails a group that SQLite rolled back by itself (SQLITE_FULL), and the next write opens a new one', async () => {
    const { db, group, rows } = setup();
    const settled: boolean[] = [];
    group.onSettled((committed) => settled.push(committed));
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1}`);
    group.write(() => insert(db));
    expect(() => { for (let i = 0; i < 100; i++) group.write(() => insert(db, 2000)); }).toThrow(/full/);
    expect(settled).toEqual([false]);
    db.pragma('max_page_count = 1073741823');
    group.write(() => insert(db));
    await nextTurn();
    expect(settled).toEqual([false, true]);
    expect(rows()).toBe(1);
  });
});
