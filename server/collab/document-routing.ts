import { parseDocumentName } from '../../schema/document/audiences.ts';
import { canOpenWedding } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CollabInstances } from '../storage/postgres/collab-instances.ts';

/** Where a document is served: on this instance, or by the instance at `url`. */
export type DocumentRoute = { here: true } | { here: false; instanceId: string; url: string; epoch: number };

/**
 * Decides, per document, whether this instance serves it or relays its frames to the instance that
 * does (server/collab/document-relay.ts). Only instances sharing a PostgreSQL database route; on
 * SQLite one process serves everything.
 */
export interface DocumentRouter {
  /** This instance (INSTANCE_ID): the value of RELAY_HEADER on the sockets it opens to owners. */
  readonly instanceId: string;
  /**
   * Where `documentName` (a Hocuspocus document name, `wedding:<id>`) is served now, for a client
   * whose Auth frame carried `token`.
   */
  route(documentName: string, token: string): Promise<DocumentRoute>;
  /**
   * Ms left on the lease on `documentName` that `holder` (instance id and epoch, as routed) took,
   * on the database's clock; null once that lease is gone: the relay heartbeat's check.
   */
  leaseLeft(documentName: string, holder: { instanceId: string; epoch: number }): Promise<number | null>;
}

/**
 * The header on a socket one instance opens to another for a client. Such a socket is served where
 * it lands or refused, never relayed again: a route is at most one hop, and two instances that
 * disagree for a moment about the owner cannot pass a client back and forth.
 */
export const RELAY_HEADER = 'x-wedsync-relayed-by';

/**
 * Routes to the holder of the document's unexpired lease (CollabInstances.ownerOf). With no such
 * holder, or when this instance holds it, the document is served here: loading it takes the lease
 * (PostgresDocumentLog), and a load that loses the race to another instance is refused with
 * `document_owned_elsewhere` (1013), so the client comes back and is routed to the winner.
 *
 * A token that cannot open the wedding (bad signature, expired, another wedding) is served here
 * too, where the auth hook refuses it with its code: a client with a bad token costs no lookup
 * and no socket to an owner. The owner checks a relayed token again, in full.
 */
export class LeaseRouter implements DocumentRouter {
  constructor(private readonly instances: CollabInstances, readonly instanceId: string, private readonly tokens: TokenService) {}

  async route(documentName: string, token: string): Promise<DocumentRoute> {
    const weddingId = parseDocumentName(documentName)?.weddingId;
    const principal = await this.tokens.verify(token).catch(() => null);
    if (weddingId === undefined || principal === null || !canOpenWedding(principal, weddingId)) return { here: true };
    const owner = await this.instances.ownerOf(documentName);
    if (owner === null || owner.instanceId === this.instanceId) return { here: true };
    return { here: false, instanceId: owner.instanceId, url: owner.url, epoch: owner.epoch };
  }

  leaseLeft(documentName: string, holder: { instanceId: string; epoch: number }): Promise<number | null> {
    return this.instances.leaseLeft(documentName, holder);
  }
}

/**
 * The Hocuspocus document a client address belongs to: `wedding:<id>` for `wedding:<id>`,
 * `wedding:<id>/vendor:v1` and either with a session (`…\0session`); null for anything else (it is
 * served here and refused by the auth hook).
 */
export function routedDocument(address: string): string | null {
  const nul = address.indexOf('\0');
  const parsed = parseDocumentName(nul === -1 ? address : address.slice(0, nul));
  return parsed === null ? null : `wedding:${parsed.weddingId}`;
}
