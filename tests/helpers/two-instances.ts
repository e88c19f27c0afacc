import crypto from 'node:crypto';
import { beforeAll } from 'vitest';
import { usePostgresDatabase } from './postgres.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/** Two servers of one cluster, the database they share (its admin pool: the stored rows) and their CREDENTIALS_KEY (base64). */
export interface TwoInstances { a: TestServer; b: TestServer; db: { url: string; admin: import('pg').Pool }; credentialsKey: string }

/**
 * Two `npm start` instances of one cluster on a PostgreSQL database of the file's own, sharing one
 * CREDENTIALS_KEY, with INSTANCE_ID `a` and `b` and a 3 s document lease (DOCUMENT_LEASE_MS), plus
 * `env`. Call at the top of a `describe` (collection time): started in `beforeAll`, stopped at the
 * file's teardown; the returned getter gives them to the tests.
 */
export function useTwoInstances(env: Record<string, string> = {}): () => TwoInstances {
  const db = usePostgresDatabase();
  const key = crypto.randomBytes(32).toString('base64');
  let both: { a: TestServer; b: TestServer } | undefined;
  beforeAll(async () => {
    const envOf = (id: string) => ({ DATABASE_URL: db().url, CREDENTIALS_KEY: key, INSTANCE_ID: id, DOCUMENT_LEASE_MS: '3000', ...env });
    const a = await startTestServer({ env: envOf('a') });
    const b = await startTestServer({ env: envOf('b') });
    both = { a, b };
  }, 60_000);
  return () => {
    if (!both) throw new Error('useTwoInstances(): the servers start in beforeAll; read them inside a test');
    return { ...both, db: db(), credentialsKey: key };
  };
}
