import type { Connection, Extension, afterHandleMessagePayload, afterLoadDocumentPayload, beforeSyncPayload } from '@hocuspocus/server';
import { encodeCollabRefusal } from '../../schema/api/collab-refusal.ts';
import { setDocumentLimits, type DocumentLimits } from '../../schema/document/limits.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { checkUpdate, type UpdateVerdict } from './update-check.ts';

// y-protocols sync message types, as Hocuspocus' beforeSync hook reports them.
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/**
 * Every update a client sends (sync step 2 or update) is checked against the live document just
 * before Hocuspocus would apply it (update-check.ts). Hocuspocus handles one connection's messages
 * one at a time and calls `beforeSync` right before applying each, so the check sees exactly the
 * state the update would be applied to, including that connection's previous updates.
 *
 * A refused update is not applied, not stored and not acknowledged, and the connection stays open:
 * for the length of that one message the connection is marked read-only, so Hocuspocus takes its
 * own read-only path (it applies nothing and answers SyncStatus `false`). The client also gets a
 * typed refusal (schema/api/collab-refusal.ts) as a stateless message, and the refusal is counted
 * (`wedsync_updates_refused_total{code}`). Throwing from the hook instead would close the connection.
 *
 * NOTE: must run before RestoreMerge (server/admin/restore-merge.ts), which skips read-only
 * connections; collab-server.ts registers it among the built-in extensions, ahead of the others.
 */
export class UpdateValidation implements Extension {
  extensionName = 'UpdateValidation';
  private readonly refusing = new WeakSet<Connection>();

  constructor(private readonly limits: DocumentLimits, private readonly logger: Logger, private readonly metrics: Metrics) {}

  async afterLoadDocument({ document }: afterLoadDocumentPayload): Promise<void> {
    setDocumentLimits(document, this.limits);
  }

  async beforeSync({ connection, document, documentName, type, payload }: beforeSyncPayload): Promise<void> {
    if ((type !== SYNC_STEP2 && type !== SYNC_UPDATE) || connection.readOnly) return;
    let verdict: UpdateVerdict;
    try {
      verdict = checkUpdate(document, payload, this.limits);
    } catch (error) {
      // Fail closed: an update the checker cannot understand is not applied either.
      this.logger.error({ err: error, documentName }, 'could not check an incoming update; refusing it');
      verdict = { ok: false, code: 'schema_violation', message: 'the server could not check this update', issues: [] };
    }
    if (verdict.ok) return;
    this.refusing.add(connection);
    connection.readOnly = true;
    this.metrics.updatesRefused.inc({ code: verdict.code });
    this.logger.info({ documentName, code: verdict.code, reason: verdict.message, user: (connection.context as { principal?: { sub?: string } } | undefined)?.principal?.sub }, 'refused a collaboration update');
    connection.sendStateless(encodeCollabRefusal(verdict));
  }

  async afterHandleMessage({ connection }: afterHandleMessagePayload): Promise<void> {
    if (this.refusing.delete(connection)) connection.readOnly = false;
  }
}
