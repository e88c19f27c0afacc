import type { ReadyBody } from '../../schema/index.ts';
import { migrationsCurrent, type Db } from './database.ts';
import type { PostgresReadiness } from './postgres/readiness.ts';
import type { StorageHealth } from './storage-health.ts';

/**
 * `/readyz` on SQLite: ready while the database is open, its migrations are applied and storage
 * takes writes (a server that is read-only after a failed write is not ready); not while closing.
 */
export function sqliteReadiness(db: Db, health: StorageHealth, closing: () => boolean): () => ReadyBody {
  return () => {
    const storageOk = db.open && !closing();
    let migrationsOk = false;
    try { migrationsOk = storageOk && migrationsCurrent(db); } catch { migrationsOk = false; }
    // Storage that cannot take writes is not ready either: the server is read-only meanwhile.
    health.checkSpace();
    const readOnly = health.status;
    const ready = storageOk && migrationsOk && readOnly === null;
    return {
      status: ready ? 'ready' : 'not_ready',
      checks: {
        storage: readOnly === null ? { ok: storageOk } : { ok: false, detail: `read-only since ${readOnly.since}: ${readOnly.reason}` },
        migrations: { ok: migrationsOk },
      },
    };
  };
}

/**
 * `/readyz` on PostgreSQL (a load balancer's health check, docs/deploy/): ready while the database
 * answers within its timeout, is not a standby and has every migration (PostgresReadiness), the
 * instance is not stopping, and it holds its claim on its INSTANCE_ID (`claimHeld`; lost with its
 * connection until claimed again: CollabInstances).
 */
export function postgresReadiness(check: PostgresReadiness, closing: () => boolean, claimHeld: () => boolean = () => true): () => Promise<ReadyBody> {
  return async () => {
    const serving = closing() ? { ok: false, detail: 'stopping' }
      : claimHeld() ? { ok: true } : { ok: false, detail: 'this instance lost its claim on its INSTANCE_ID with its database connection; claiming it again' };
    const checks = { serving, ...(await check.check()) };
    const ready = Object.values(checks).every((c) => c.ok);
    return { status: ready ? 'ready' : 'not_ready', checks };
  };
}
