import type { Extension } from '@hocuspocus/server';

/**
 * Hooks Hocuspocus calls without awaiting: a rejection from one of them would be an unhandled
 * promise rejection, which ends a Node process. Awaited hooks (onAuthenticate, onLoadDocument,
 * beforeHandleMessage, …) already turn errors into a refused or closed connection.
 */
const FIRE_AND_FORGET = [
  'onConfigure', 'onListen', 'onChange', 'onDisconnect', 'afterUnloadDocument', 'onAwarenessUpdate', 'onStateless',
  'beforeBroadcastStateless', 'afterStoreDocument', 'onDestroy',
] as const satisfies readonly (keyof Extension)[];

/** Wraps `extension` so that its fire-and-forget hooks report errors to `onError` instead of throwing. */
export function guardExtension<E extends Extension>(extension: E, onError: (hook: string, error: unknown) => void): E {
  const guarded = Object.create(extension) as E & Record<string, unknown>;
  for (const hook of FIRE_AND_FORGET) {
    const fn = (extension as Record<string, unknown>)[hook];
    if (typeof fn !== 'function') continue;
    guarded[hook] = async (payload: unknown) => {
      try {
        return await (fn as (p: unknown) => unknown).call(extension, payload);
      } catch (error) {
        onError(hook, error);
        return undefined;
      }
    };
  }
  return guarded;
}
