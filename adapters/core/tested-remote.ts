import type { TestedRemote } from './types.ts';

/** Longest `remoteId` kept (ids and collection URLs are far shorter; a longer one is a provider's error). */
const MAX_ID = 1024;
const MAX_NAME = 200;

/**
 * A connection test's TestedRemote: `remoteId` as the provider gave it (cut to 1,024 characters),
 * `remoteName` trimmed and cut to 200 characters, and left out when empty.
 */
export function testedRemote(remoteId: string, remoteName?: string | null): TestedRemote {
  const name = remoteName?.trim().slice(0, MAX_NAME);
  return { remoteId: remoteId.slice(0, MAX_ID), ...(name ? { remoteName: name } : {}) };
}
