import {
  AdapterError, destinationForbidden, networkReason, type Adapter, type AdapterDefinition, type TestedRemote,
} from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';

/** What an adapter is tried with before anything about the connection is stored. */
export interface ProbeInput {
  id: string;
  weddingId: string;
  system: string;
  connectionId: string;
  credentials: Record<string, unknown>;
  configuration: Record<string, unknown>;
  webhookSecret: string;
  state: Record<string, unknown>;
}

/**
 * An adapter built to be tried, not run: its state is not saved. Credentials the provider rotates
 * during the try (a refresh token replaced at the first refresh) replace `p.credentials` in place,
 * so the caller stores the ones the provider now accepts. Throws BridgeError `invalid_config` when
 * the credentials or configuration do not validate.
 */
export function probeAdapter(runtime: ConnectionRuntime, definition: AdapterDefinition, p: ProbeInput): Adapter {
  try {
    return runtime.instantiate(definition, {
      integrationId: p.id, weddingId: p.weddingId, credentials: p.credentials, configuration: p.configuration,
      runtime: runtime.runtimeFor({ integrationId: p.id, weddingId: p.weddingId, system: p.system, connectionId: p.connectionId, webhookSecret: p.webhookSecret }, p.state, () => undefined, {
        shared: false,
        saveCredentials: (next) => {
          for (const key of Object.keys(p.credentials)) delete p.credentials[key];
          Object.assign(p.credentials, next);
        },
      }),
    });
  } catch (error) {
    throw asInvalidConfig(error);
  }
}

/** An adapter's refusal of its settings as BridgeError `invalid_config` (with the issues per field); anything else unchanged. */
export function asInvalidConfig(error: unknown): unknown {
  return error instanceof AdapterError
    ? new BridgeError('invalid_config', error.message, { cause: error, ...(error.extra.issues ? { details: { issues: error.extra.issues } } : {}) })
    : error;
}

/**
 * Builds an adapter for a connection about to exist and runs its connection test; a failure is
 * audited. Resolves with the adapter and what the test reached (TestedRemote; undefined when the
 * system names nothing). Throws BridgeError `invalid_config`, `connection_test_failed`,
 * `destination_forbidden`.
 */
export async function testedAdapter(
  deps: { runtime: ConnectionRuntime; audit: AuditWriter }, definition: AdapterDefinition,
  probe: Omit<ProbeInput, 'connectionId' | 'state'>, audit: { weddingId: string; actor: string },
): Promise<{ adapter: Adapter; remote: TestedRemote | undefined }> {
  const adapter = probeAdapter(deps.runtime, definition, { ...probe, connectionId: probe.id, state: {} });
  try {
    return { adapter, remote: (await adapter.testConnection()) ?? undefined };
  } catch (error) {
    // Adapters report failures as AdapterErrors whose messages never quote what the remote system
    // answered; anything else (a library's own error) is reported by its class only, for the same reason.
    const refused = destinationForbidden(error);
    const forbidden = refused !== null || (error instanceof AdapterError && error.code === 'destination_forbidden');
    const message = error instanceof AdapterError ? error.message : refused ? refused.message : `${probe.system}: ${networkReason(error)}`;
    deps.audit.record({ weddingId: audit.weddingId, actor: audit.actor, action: 'integration.connect', entity: null, entityId: null, result: 'failed', detail: { system: probe.system, code: forbidden ? 'destination_forbidden' : 'connection_test_failed', message: clipText(message, 300) } });
    throw new BridgeError(forbidden ? 'destination_forbidden' : 'connection_test_failed', `connection test failed: ${message}`, { cause: error });
  }
}
