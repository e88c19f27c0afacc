import { WorkspaceConnectBody } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { HttpError } from './http-error.ts';
import type { OAuthConnectBody } from '../connections/oauth-flows.ts';

/**
 * Where the credentials of a finished OAuth connect flow go: a connection's renewed credentials
 * (`connectionId`), a connection of the workspace (bound to the wedding too when one is given), or,
 * for a wedding alone, a connection made from it. Resolves with the binding's id (the connection's
 * when nothing is bound) and the system. Throws HttpError 400 `validation_failed` when the body
 * names neither a workspace nor a wedding, and the bridge's errors (BridgeError) as they come.
 */
export async function connectAfterOAuth(bridge: Bridge, p: Principal, body: OAuthConnectBody): Promise<{ integrationId: string; system: string }> {
  if (body.connectionId) {
    await bridge.connections.renewCredentials(p, body.connectionId, body.system, body.credentials);
    return { integrationId: body.connectionId, system: body.system };
  }
  if (body.workspaceId) {
    const made = await bridge.connections.connectWorkspace(p, WorkspaceConnectBody.parse({
      workspaceId: body.workspaceId, system: body.system, credentials: body.credentials, configuration: body.configuration,
      bindings: body.weddingId ? [{ weddingId: body.weddingId, ...(body.vendorId ? { vendorId: body.vendorId } : {}) }] : [],
    }));
    return { integrationId: made.bindings[0]?.bindingId ?? made.connectionId, system: made.system };
  }
  if (!body.weddingId) throw new HttpError(400, 'validation_failed', 'give workspaceId or weddingId');
  return bridge.connect(p, {
    weddingId: body.weddingId, system: body.system, ...(body.vendorId ? { vendorId: body.vendorId } : {}),
    credentials: body.credentials, configuration: body.configuration,
  });
}
