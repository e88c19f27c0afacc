import { OutgoingMessage, type Connection, type Document, type Extension, type afterHandleMessagePayload, type afterLoadDocumentPayload, type beforeSyncPayload } from '@hocuspocus/server';
import * as Y from 'yjs';
import { encodeCollabRefusal } from '../../schema/api/collab-refusal.ts';
import { showsEverything } from '../../schema/document/audiences.ts';
import { writesEverything } from '../../schema/document/permissions.ts';
import { setDocumentLimits, type DocumentLimits } from '../../schema/document/limits.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';
import { checkUpdate, type UpdateVerdict } from './update-check.ts';
import { filterByPermission, type Kept, type PermissionVerdict } from './update-permissions.ts';
import { reestablish, revocation } from './update-repair.ts';

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
 * Writes the connection's role may not make (schema/document/permissions.ts) are refused in part
 * (update-permissions.ts): the permitted rest of the update is applied here, in Hocuspocus' place
 * and with the connection's transaction origin, and acknowledged; the refused part never reaches
 * the document, and the writer is brought back to the server's state (update-repair.ts) and told
 * (`permission_denied`, with the paths). Its other pending edits still land and it stays connected.
 *
 * NOTE: must run before RestoreMerge (server/admin/restore-merge.ts), which skips read-only
 * connections; collab-server.ts registers it among the built-in extensions, ahead of the others.
 */
/**
 * A refused removal that update-repair.ts could only undo by putting a copy in the original's place
 * (a shared type: an entity map, a text, a list element that is a type). Other peers' concurrent
 * edits inside the original would be lost with it, acknowledged or not, so such updates are refused
 * whole (`removal_forbidden`) and the writer starts again from the server's copy instead.
 */
function removesSharedPart(k: Kept): boolean {
  return k.kind === 'value' ? k.value instanceof Y.AbstractType : k.item.content instanceof Y.ContentType;
}

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
    let permitted: PermissionVerdict | null = null;
    try {
      const context = connection.context as CollabContext | undefined;
      const principal = context?.principal;
      const view = context?.view;
      // A writer of a part sees only its audience's share (audiences.ts): its delete set names what
      // it never received, and it may write only within what it sees.
      if (principal && (!writesEverything(principal.role) || (view && !showsEverything(view)))) permitted = filterByPermission(document, payload, { ...principal, view });
      const removal = permitted?.kept.find(removesSharedPart);
      if (permitted && removal) {
        verdict = { ok: false, code: 'removal_forbidden', message: `the ${principal?.role ?? 'unknown'} role may not remove ${permitted.issues[0]?.path ?? 'a shared part of the wedding'}; nothing of this update was applied, start again from the server's copy`, issues: permitted.issues };
        permitted = null;
      } else {
        verdict = checkUpdate(document, permitted?.update ?? payload, this.limits, permitted?.isRefused);
      }
    } catch (error) {
      // Fail closed: an update the checker cannot understand is not applied either.
      this.logger.error({ err: error, documentName }, 'could not check an incoming update; refusing it');
      verdict = { ok: false, code: 'schema_violation', message: 'the server could not check this update', issues: [] };
    }
    if (verdict.ok && permitted) return this.applyPermitted(connection, document, documentName, type, payload, permitted);
    if (verdict.ok) return;
    this.refusing.add(connection);
    connection.readOnly = true;
    this.metrics.updatesRefused.inc({ code: verdict.code });
    this.logger.info({ documentName, code: verdict.code, reason: verdict.message, user: (connection.context as { principal?: { sub?: string } } | undefined)?.principal?.sub }, 'refused a collaboration update');
    connection.sendStateless(encodeCollabRefusal(verdict));
  }

  /** Applies what the writer may write, in Hocuspocus' place, and brings the writer back (see the header). */
  private applyPermitted(connection: Connection, document: Document, documentName: string, type: number, payload: Uint8Array, permitted: PermissionVerdict): void {
    this.refusing.add(connection);
    connection.readOnly = true;
    try {
      Y.applyUpdate(document, permitted.update, { source: 'connection', connection });
      reestablish(document, permitted.kept);
    } catch (error) {
      // Fail closed and visibly: the client is told as for any whole refusal (it starts again).
      this.logger.error({ err: error, documentName }, 'could not apply the permitted part of an update');
      this.metrics.updatesRefused.inc({ code: 'schema_violation' });
      connection.sendStateless(encodeCollabRefusal({ code: 'schema_violation', message: 'the server could not apply this update', issues: [] }));
      return;
    }
    if (permitted.issues.length === 0 && permitted.revoke.clients.size === 0 && permitted.kept.length === 0) {
      // Only deletions of what the writer's view never showed were left out: a plain acknowledgement.
      return this.acknowledge(connection, document, type, payload);
    }
    const revoke = revocation(permitted.revoke);
    if (revoke) connection.send(new OutgoingMessage(connection.messageAddress).createSyncMessage().writeUpdate(revoke).toUint8Array());
    this.metrics.updatesRefused.inc({ code: 'permission_denied' });
    const principal = (connection.context as CollabContext | undefined)?.principal;
    this.logger.info({ documentName, code: 'permission_denied', paths: permitted.issues.map((i) => i.path).slice(0, 5), user: principal?.sub, role: principal?.role }, 'refused part of a collaboration update');
    const paths = permitted.issues.map((i) => i.path);
    const message = paths.length
      ? `the ${principal?.role ?? 'unknown'} role may not write ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` (and ${paths.length - 3} more)` : ''}; the rest was applied`
      : 'part of the update built on refused writes; the rest was applied';
    connection.sendStateless(encodeCollabRefusal({ code: 'permission_denied', message, issues: permitted.issues }));
    this.acknowledge(connection, document, type, payload);
  }

  /**
   * Hocuspocus answers a read-only connection's update with SyncStatus false, which providers
   * ignore, and its sync step 2 with true only when the document already contains all of it: the
   * one `true` the provider counts is sent here otherwise.
   */
  private acknowledge(connection: Connection, document: Document, type: number, payload: Uint8Array): void {
    if (type === SYNC_UPDATE || !Y.snapshotContainsUpdate(Y.snapshot(document), payload)) {
      connection.send(new OutgoingMessage(connection.messageAddress).writeSyncStatus(true).toUint8Array());
    }
  }

  async afterHandleMessage({ connection }: afterHandleMessagePayload): Promise<void> {
    if (this.refusing.delete(connection)) connection.readOnly = false;
  }
}
