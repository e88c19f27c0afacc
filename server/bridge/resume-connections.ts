import { clipText } from '../../schema/document/text.ts';
import type { Logger } from '../logger.ts';
import { assertReadable } from './connection-rows.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';

export interface ResumeConnectionsDeps {
  /** Runs before anything starts (on SQLite: sealing plain secrets stored by older versions, configuration-migration.ts). */
  beforeResume?: () => Promise<void>;
  runtime: ConnectionRuntime;
  registry: IntegrationRegistry;
  store: IntegrationRecords;
  logger: Logger;
  now: () => number;
}

/**
 * At start-up, brings back the bindings and connections this process runs (`run_mode
 * in_process`): after `beforeResume` (on SQLite, sealing plain secrets older versions stored), each active binding is built and each active or
 * needs-attention connection started. One that cannot start (its secrets do not open under the
 * server's key, its adapter refuses its configuration) is marked `error` with the reason (clipped to
 * 500 characters) and logged; the others still start. Never throws for one of them.
 */
export async function resumeConnections(deps: ResumeConnectionsDeps): Promise<void> {
  const { runtime, registry, store, logger, now } = deps;
  await deps.beforeResume?.();
  const failed = async (integrationId: string, error: unknown) => {
    logger.error({ err: error, integrationId }, 'integration could not be started; marked as error');
    await store.update(integrationId, { status: 'error', last_error: clipText((error as Error).message, 500), last_error_at: new Date(now()).toISOString() });
  };
  for (const integration of await store.listActive()) {
    if (integration.runMode !== 'in_process') continue;
    try {
      // A binding whose connection's secrets do not open (a damaged row, one sealed under another key) does not start.
      assertReadable(integration.connection);
      registry.put(await runtime.buildBinding(integration));
    } catch (error) {
      await failed(integration.id, error);
    }
  }
  for (const id of await store.connections.runnable()) {
    try {
      // Not running: a system serving one wedding with no binding, or one whose secrets do not open (read as status `error`).
      if (!(await runtime.refresh(id))) assertReadable((await store.connections.get(id)) ?? {});
    } catch (error) {
      logger.error({ err: error, connectionId: id }, 'connection could not be started; marked as error');
      await store.connections.update(id, { status: 'error', last_error: clipText((error as Error).message, 500), last_error_at: new Date(now()).toISOString() });
    }
  }
}
