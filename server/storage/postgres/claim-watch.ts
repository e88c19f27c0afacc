import type { Logger } from '../../logger.ts';
import type { CollabInstances } from './collab-instances.ts';

/**
 * Logs what happens to this instance's claim on its INSTANCE_ID (CollabInstances.onClaim), and
 * stops the instance when another process took the id while the claim was lost, or the database
 * changed meanwhile (a key rotation: ClaimCheckError): `stop` closes it,
 * then `stopped` is told the reason (WedSyncServer.fatal). Returns the unsubscribe.
 */
export function watchInstanceClaim(instances: CollabInstances, logger: Logger, stop: () => Promise<void>, stopped: (reason: string) => void): () => void {
  const log = logger.child({ component: 'instances' });
  return instances.onClaim((event) => {
    if (event.kind === 'lost') return log.error({ err: event.error }, 'lost the claim on this INSTANCE_ID with its database connection; claiming it again (not ready meanwhile)');
    if (event.kind === 'claimed') return log.info('claimed this INSTANCE_ID again');
    if (event.kind === 'refused') return log.warn({ err: event.error }, 'could not claim this INSTANCE_ID again yet; retrying');
    log.fatal({ err: event.error }, event.kind === 'changed'
      ? 'the database changed while this INSTANCE_ID\'s claim was lost: stopping this instance'
      : 'another process took this INSTANCE_ID while its claim was lost: stopping this instance');
    void stop().catch((error: unknown) => log.error({ err: error }, 'error while stopping')).finally(() => stopped(event.error.message));
  });
}
