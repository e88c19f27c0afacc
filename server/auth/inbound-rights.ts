import type { Role } from '../../schema/index.ts';
import type { SyncEntity } from '../../adapters/core/index.ts';

/**
 * What an integration may change in its wedding. An external system is not a person: it acts with
 * the rights of whoever connected it, as their token said at connect time (issue 10 item 2). Every
 * inbound change of every adapter (webhook, pull page, full resync, a push's write-back) is judged
 * here before it is applied (server/bridge/inbound-applier.ts); a refused change is not applied and
 * the rest of its batch is judged on its own.
 *
 * | connector role | may change |
 * |---|---|
 * | admin, planner, adapter | the whole wedding (the roles that write the document over the WebSocket) |
 * | vendor | its own entities only, see OWN_ENTITY_RULES |
 * | couple | nothing (couple tokens are read-only; they cannot connect an integration either) |
 *
 * Rights are fixed at connect time: tokens are stateless, so a later token with another role or
 * vendor does not change an integration's rights; removing the integration does.
 */

/** Who connected an integration, from their token (`sub`, `role`, `vendorId`). */
export interface Connector {
  sub: string;
  role: Role;
  /** The token's vendorId, for vendor connectors; null otherwise. */
  vendorId: string | null;
}

export const INBOUND_SCOPES = ['wedding', 'own', 'none'] as const;
export type InboundScope = (typeof INBOUND_SCOPES)[number];

/** How far each connector role's integrations reach. */
export const INBOUND_SCOPE: Record<Role, InboundScope> = {
  admin: 'wedding',
  planner: 'wedding',
  adapter: 'wedding',
  vendor: 'own',
  couple: 'none',
  viewer: 'none',
};

export const INBOUND_REFUSALS = ['connector_read_only', 'vendor_unbound', 'not_own_entity', 'reassigns_vendors'] as const;
export type InboundRefusal = (typeof INBOUND_REFUSALS)[number];

export type InboundJudgement = { allowed: true } | { allowed: false; reason: InboundRefusal; message: string };

/** One entity change as the applier is about to make it. */
export interface EntityChange {
  entity: SyncEntity;
  entityId: string;
  /** `create`: the entity does not exist here yet; `update` includes a change that only records a conflict. */
  op: 'create' | 'update' | 'delete';
  /** The entity as it is here (with earlier changes of the same batch); undefined for `create`. */
  before: Record<string, unknown> | undefined;
  /** The entity as the change would leave it (defaults filled for `create`); undefined for `delete`. */
  after: Record<string, unknown> | undefined;
}

const ALLOWED: InboundJudgement = { allowed: true };
const refuse = (reason: InboundRefusal, message: string): InboundJudgement => ({ allowed: false, reason, message });

const vendorIdsOf = (e: Record<string, unknown> | undefined): string[] =>
  e && Array.isArray(e.vendorIds) ? [...new Set(e.vendorIds.map(String))].sort() : [];
const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A vendor's own entities, per entity kind (`v` is the connector's vendorId). Real flows this keeps
 * working: a venue's calendar moving the ceremony it is assigned to, a photographer's CRM updating
 * its own vendor entry, its processor marking its own deposit paid.
 * - `meta`, `guests`: never a vendor's (the wedding's details and the couple's numbers).
 * - `vendors`: its own entry (id `v`) may be created (its CRM onboarding it) and updated; no other
 *   vendor's entry is touched, and no vendor entry is deleted (the planner removes vendors).
 * - `payments`: those whose vendorId is `v`, before and after (a payment is not moved to or from
 *   another vendor); may be created, updated and deleted.
 * - `timeline`: events assigned to it (vendorIds includes `v`) may be updated, without changing
 *   who is assigned (the planner assigns vendors); a vendor may create an event assigned to itself
 *   alone (vendorIds exactly `[v]`: its own shoot, delivery or set-up slot), and delete an event
 *   assigned to it alone. An event shared with other vendors is not deleted by one of them.
 */
export const OWN_ENTITY_RULES: Record<SyncEntity, (v: string, c: EntityChange) => InboundJudgement> = {
  meta: () => refuse('not_own_entity', 'the wedding details are not a vendor’s to change'),
  guests: () => refuse('not_own_entity', 'the guest numbers are not a vendor’s to change'),
  vendors: (v, c) => {
    if (c.entityId !== v) return refuse('not_own_entity', `vendor ${c.entityId} is another vendor’s entry`);
    if (c.op === 'delete') return refuse('not_own_entity', 'a vendor does not remove its own entry from the wedding (the planner does)');
    return ALLOWED;
  },
  payments: (v, c) => {
    if (c.before && c.before.vendorId !== v) return refuse('not_own_entity', `payment ${c.entityId} belongs to another vendor`);
    if (c.after && c.after.vendorId !== v) return refuse(c.before ? 'reassigns_vendors' : 'not_own_entity', `payment ${c.entityId} would belong to another vendor`);
    return ALLOWED;
  },
  timeline: (v, c) => {
    const before = vendorIdsOf(c.before);
    const after = vendorIdsOf(c.after);
    switch (c.op) {
      case 'create':
        return sameSet(after, [v]) ? ALLOWED : refuse('not_own_entity', `a vendor creates only events assigned to itself alone (vendorIds ["${v}"])`);
      case 'update':
        if (!before.includes(v)) return refuse('not_own_entity', `timeline event ${c.entityId} is not assigned to vendor ${v}`);
        return sameSet(before, after) ? ALLOWED : refuse('reassigns_vendors', `a vendor does not change who is assigned to timeline event ${c.entityId}`);
      case 'delete':
        if (!before.includes(v)) return refuse('not_own_entity', `timeline event ${c.entityId} is not assigned to vendor ${v}`);
        return sameSet(before, [v]) ? ALLOWED : refuse('not_own_entity', `timeline event ${c.entityId} is shared with other vendors; the planner removes it`);
      default: {
        const never: never = c.op;
        throw new Error(`unknown op ${String(never)}`);
      }
    }
  },
};

/** Whether an integration connected by `connector` may make this change to the wedding. */
export function judgeEntityChange(connector: Connector, change: EntityChange): InboundJudgement {
  return judgeByScope(connector, (vendorId) => OWN_ENTITY_RULES[change.entity](vendorId, change));
}

/**
 * Whether the integration may acknowledge a message, or report a delivery, for `recipientId`:
 * a vendor's integration only for the vendor itself (no acknowledging for others).
 */
export function judgeRecipientChange(connector: Connector, recipientId: string): InboundJudgement {
  return judgeByScope(connector, (vendorId) =>
    recipientId === vendorId ? ALLOWED : refuse('not_own_entity', `a vendor’s integration acknowledges only for vendor ${vendorId}`));
}

/**
 * Whether the integration may raise an alert (an emergency to the wedding's vendors): only one a
 * planner or admin connected; a vendor's system alerts nobody but itself, so it raises none.
 */
export function judgeAlert(connector: Connector): InboundJudgement {
  return judgeByScope(connector, (vendorId) => refuse('not_own_entity', `a vendor’s integration (vendor ${vendorId}) does not alert the wedding’s other vendors`));
}

/** The connector's role decides: everything, nothing, or what `own` allows for its vendor. */
function judgeByScope(connector: Connector, own: (vendorId: string) => InboundJudgement): InboundJudgement {
  const scope = INBOUND_SCOPE[connector.role];
  switch (scope) {
    case 'wedding': return ALLOWED;
    case 'none': return refuse('connector_read_only', `an integration connected with a ${connector.role} token changes nothing`);
    case 'own':
      if (!connector.vendorId) return refuse('vendor_unbound', 'the vendor token that connected this integration names no vendorId');
      return own(connector.vendorId);
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${String(never)}`);
    }
  }
}
