import type pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { connectWedding, type WeddingConnection } from '../../client/sdk/node.ts';
import type { WebhookRequest } from '../../adapters/core/index.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { inTransaction } from '../../server/storage/postgres/pool.ts';
import { registerTeardown } from './teardown.ts';
import { testToken } from './tokens.ts';

/** The clients and reads the cluster tests (tests/cluster/) share. */

/** A planner's SDK connection to `url` for `weddingId`, destroyed at teardown. */
export async function planner(url: string, weddingId: string): Promise<WeddingConnection> {
  const token = await testToken('planner', [weddingId]);
  const connection = await connectWedding({ url, weddingId, token, WebSocketPolyfill: WebSocket });
  registerTeardown(() => connection.destroy());
  return connection;
}

/** Adds a timeline event `id` (one Yjs update). */
export function addEvent(c: WeddingConnection, id: string): void {
  c.doc.upsertEvent({ id, title: `Event ${id}`, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: [] });
}

/** The timeline's event ids, sorted. */
export const eventIds = (c: WeddingConnection) => Object.keys(c.doc.toJSON().timeline ?? {}).sort();

/**
 * The wedding as PostgreSQL holds it now (state + log), read directly in one snapshot: read apart,
 * a compaction committing between the two reads (the state taken before it, the log after it) would
 * hide the updates it folded.
 */
export async function stored(admin: pg.Pool, weddingId: string): Promise<string[]> {
  const name = `wedding:${weddingId}`;
  const { state, log } = await inTransaction(admin, async (client) => ({
    state: await client.query<{ state: Buffer }>('SELECT state FROM documents WHERE name = $1', [name]),
    log: await client.query<{ update_data: Buffer }>('SELECT update_data FROM document_updates WHERE name = $1 ORDER BY seq', [name]),
  }), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const doc = new Y.Doc();
  if (state.rows[0]) Y.applyUpdate(doc, state.rows[0].state);
  for (const r of log.rows) Y.applyUpdate(doc, r.update_data);
  return Object.keys(new WeddingDoc(doc).toJSON().timeline ?? {}).sort();
}

/** A webhook as the intake stores it in the inbox (the request, verified before it was stored): a `webhooks` adapter event. */
export const storedWebhook = (type: string, data: Record<string, unknown>): string => JSON.stringify({
  method: 'POST', url: 'http://hub.example/api/integrations/webhook/x', headers: { 'content-type': 'application/json' },
  rawBody: JSON.stringify({ type, timestamp: new Date().toISOString(), data }), receivedAt: Date.now(),
} satisfies WebhookRequest);
