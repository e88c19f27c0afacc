import diagnostics from 'node:diagnostics_channel';

/**
 * Stage timestamps of inbound work, published on the diagnostics channel `wedsync:bridge` for
 * whoever subscribes (`npm run bench -- connections` does; nothing does in production, where a
 * publish is one `hasSubscribers` check). Each message: `{ stage, key, at }` with `at` in epoch ms
 * (performance.timeOrigin + performance.now(), comparable across processes of one machine) and
 * `key` the connection id (a binding's connection id for `inbox.applied`).
 * Stages: `webhook` (a delivery reached its connection), `pull.requested`, `pull.started` (the
 * pull's first page asked of the adapter), `pull.read` (a page answered), `pull.stored` (its rows
 * in the inbox), `inbox.applied` (a row applied to its wedding's document; `weddingId`).
 */
export const bridgeTraceChannel = diagnostics.channel('wedsync:bridge');

export interface BridgeTraceMessage {
  stage: 'webhook' | 'pull.requested' | 'pull.started' | 'pull.read' | 'pull.stored' | 'inbox.applied';
  key: string;
  at: number;
  weddingId?: string;
  /** pull.requested: why (`scheduled`, `webhook`, `requested`). */
  reason?: string;
}

export function trace(stage: BridgeTraceMessage['stage'], key: string, extra?: Omit<BridgeTraceMessage, 'stage' | 'key' | 'at'>): void {
  if (!bridgeTraceChannel.hasSubscribers) return;
  bridgeTraceChannel.publish({ stage, key, at: performance.timeOrigin + performance.now(), ...extra } satisfies BridgeTraceMessage);
}
