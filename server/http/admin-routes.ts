import { Hono, type Context } from 'hono';
import { SnapshotCreateBody, SnapshotRestoreBody, isWeddingId } from '../../schema/index.ts';
import type { SnapshotService } from '../admin/snapshot-service.ts';
import type { TokenService } from '../auth/tokens.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';

function weddingId(id: string): string {
  if (!isWeddingId(id)) throw new HttpError(400, 'validation_failed', 'wedding ids use letters, digits, "_" and "-" (1 to 64)');
  return id;
}

/**
 * `/api/admin/…`: snapshots, restore and export; admins only, and only for weddings the token
 * opens (an admin token for some weddings is not one for all of them: `*` is).
 */
export function adminRoutes(tokens: TokenService, snapshots: SnapshotService): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireAuth(tokens), requireRole('admin'));
  const weddingParam = (c: Context<AppEnv>): string => {
    const id = weddingId(c.req.param('id') ?? '');
    assertWeddingAccess(c.get('principal'), id);
    return id;
  };

  app.post('/weddings/:id/snapshots', async (c) => {
    const weddingId = weddingParam(c);
    const body = await readJson(c, SnapshotCreateBody);
    return c.json(await snapshots.create(weddingId, body.label, c.get('principal').sub), 201);
  });

  app.get('/weddings/:id/snapshots', async (c) => c.json({ snapshots: await snapshots.list(weddingParam(c)) }));

  app.get('/weddings/:id/snapshots/:sid', async (c) => c.json(await snapshots.show(weddingParam(c), c.req.param('sid'))));

  app.post('/weddings/:id/snapshots/:sid/restore/preview', async (c) => {
    const weddingId = weddingParam(c);
    const body = await readJson(c, SnapshotRestoreBody);
    return c.json(await snapshots.preview(weddingId, c.req.param('sid'), body.sections));
  });

  app.post('/weddings/:id/snapshots/:sid/restore', async (c) => {
    const weddingId = weddingParam(c);
    const body = await readJson(c, SnapshotRestoreBody);
    return c.json(await snapshots.restore(weddingId, c.req.param('sid'), c.get('principal').sub, body.sections, c.get('principal')));
  });

  app.get('/weddings/:id/export', async (c) => {
    const weddingId = weddingParam(c);
    // Serialized on an encoding worker: a large wedding's JSON takes seconds to build.
    const json = await snapshots.exportJson(weddingId);
    c.header('Content-Disposition', `attachment; filename="wedding-${weddingId}.json"`);
    return c.body(json, 200, { 'Content-Type': 'application/json' });
  });

  return app;
}
