import type { Extension, Hocuspocus, beforeHandleMessagePayload, onAuthenticatePayload } from '@hocuspocus/server';
import type { Logger } from '../logger.ts';
import type { StorageHealth } from '../storage/storage-health.ts';
import type { CollabContext } from './context.ts';

/**
 * Sockets are closed with this when storage is writable again: providers reconnect at once, and
 * their sync step 2 carries every edit they kept unsynced while the server was read-only.
 * (1012 "service restart": a standard code meaning "reconnect".)
 */
export const STORAGE_WRITABLE_AGAIN_CLOSE = { code: 1012, reason: 'storage-writable-again' } as const;

/**
 * While storage cannot take writes (StorageHealth), every connection is read-only. Hocuspocus then
 * answers updates and sync step 2 with SyncStatus(false) and applies nothing, so clients keep their
 * edits as unsynced and nothing is acknowledged. A connection opened meanwhile is told it is
 * read-only (`authenticated` scope `readonly`), which is the clients' visible status.
 *
 * When storage is writable again, every socket of every loaded document is closed with 1012: the
 * providers reconnect by themselves, authenticate with their normal rights, and resend.
 */
export class StorageReadOnlyExtension implements Extension {
  extensionName = 'StorageReadOnly';
  private hocuspocus: Hocuspocus | null = null;

  constructor(private readonly health: StorageHealth, private readonly logger: Logger) {
    health.onChange((writable) => (writable ? this.reopen() : this.makeReadOnly()));
  }

  attach(hocuspocus: Hocuspocus): void {
    this.hocuspocus = hocuspocus;
  }

  /** Runs after the auth extension, which sets `readOnly` from the role. */
  async onAuthenticate(data: onAuthenticatePayload<CollabContext>): Promise<void> {
    if (!this.health.writable) data.connectionConfig.readOnly = true;
  }

  /** Catches connections that were set up while storage turned read-only. */
  async beforeHandleMessage({ connection }: beforeHandleMessagePayload<CollabContext>): Promise<void> {
    if (!this.health.writable && !connection.readOnly) connection.readOnly = true;
  }

  private makeReadOnly(): void {
    let n = 0;
    for (const document of this.hocuspocus?.documents.values() ?? []) {
      for (const connection of document.getConnections()) {
        connection.readOnly = true;
        n++;
      }
    }
    this.logger.warn({ connections: n }, 'storage is read-only: every connection is read-only until it recovers');
  }

  private reopen(): void {
    const sockets = new Set<{ close(code?: number, reason?: string): void }>();
    for (const document of this.hocuspocus?.documents.values() ?? []) {
      for (const connection of document.getConnections()) sockets.add(connection.webSocket);
    }
    for (const socket of sockets) socket.close(STORAGE_WRITABLE_AGAIN_CLOSE.code, STORAGE_WRITABLE_AGAIN_CLOSE.reason);
    this.logger.warn({ sockets: sockets.size }, 'storage is writable again: sockets closed so that clients reconnect and send their unsynced edits');
  }
}
