/**
 * What a connection test reached: the one object in the external system that the credentials and
 * configuration sync with, named as the provider names it, however the configuration put it (a
 * Google calendar configured as `primary` is reached as its own id, the account's address). Two
 * connections of one system with the same `remoteId` would sync the same calendar or account twice.
 */
export interface TestedRemote {
  /** The provider's stable id of it (Google Calendar: the calendar's `id`; Graph: the calendar's `id`; CalDAV: the collection's URL). */
  remoteId: string;
  /** How a person knows it (a calendar's name, an account's name or address), for messages; at most 200 characters. */
  remoteName?: string;
}

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
