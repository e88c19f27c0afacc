import { HocuspocusProvider, WebSocketStatus, type ConstructableOutgoingMessage, type HocuspocusProviderConfiguration } from '@hocuspocus/provider';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { DEFAULT_MAX_MESSAGE_BYTES, decodeCollabLimits } from '../../schema/api/collab-limits.ts';
import { WedSyncClientError } from './errors.ts';
import { splitUpdate } from './split-update.ts';

const MESSAGE_SYNC = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

export type SizedProviderConfiguration = HocuspocusProviderConfiguration & {
  /**
   * The server's message limit in bytes until the server announces its own (schema/api/collab-limits.ts).
   * @default DEFAULT_MAX_MESSAGE_BYTES, the server's default
   */
  maxMessageBytes?: number;
  /** Called, instead of sending, when one change alone is larger than the server accepts. */
  onTooLarge: (error: WedSyncClientError) => void;
};

/**
 * A HocuspocusProvider that never sends a message larger than the server accepts, because such a
 * message gets the whole socket closed with 4413, again on every reconnect.
 * - It learns the limit from the server's announcement before each `authenticated` message.
 * - A sync step 2 (the offline backlog sent after connecting) or an update over the limit is sent
 *   as several messages of the same kind, each below the limit (client/sdk/split-update.ts); the
 *   unacknowledged count grows by the extra messages so `synced` waits for every part.
 * - When one change cannot be cut below the limit, nothing is sent and `onTooLarge` is called.
 * - Updates made while the socket is down are not queued in memory: the sync step 2 after the next
 *   authentication carries them, so replaying thousands of queued edits (before authentication,
 *   where Hocuspocus buffers them against a per-socket cap) only costs time and memory.
 */
export class SizedProvider extends HocuspocusProvider {
  maxMessageBytes: number;
  /** The largest frame sent since the socket last opened, in bytes. */
  largestFrameSinceOpen = 0;
  private readonly onTooLarge: (error: WedSyncClientError) => void;

  constructor(configuration: SizedProviderConfiguration) {
    super(configuration);
    this.maxMessageBytes = configuration.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.onTooLarge = configuration.onTooLarge;
    this.on('open', () => { this.largestFrameSinceOpen = 0; });
    this.on('stateless', ({ payload }: { payload: string }) => {
      const limits = decodeCollabLimits(payload);
      if (limits) this.maxMessageBytes = limits.maxMessageBytes;
    });
  }

  override send(Message: ConstructableOutgoingMessage, args: unknown): void {
    if (!this.isAttached) return;
    const message = new Message();
    const frame = encoding.toUint8Array(message.get(args as never) as encoding.Encoder);
    const socket = this.configuration.websocketProvider;
    const sync = readSyncFrame(frame);
    if (sync?.step === SYNC_UPDATE && socket.status !== WebSocketStatus.Connected) return;
    // Fields are not yet set while the base constructor runs; it sends nothing large.
    const limit = this.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.emit('outgoingMessage', { message });
    if (frame.byteLength <= limit) {
      this.largestFrameSinceOpen = Math.max(this.largestFrameSinceOpen, frame.byteLength);
      return socket.send(frame);
    }
    if (!sync) {
      return this.onTooLarge(new WedSyncClientError('message_too_large', `a message of ${frame.byteLength} bytes is larger than the server accepts (${limit} bytes)`));
    }
    // Header: address, message type, sync step; then the update's length prefix (at most 5 bytes here).
    const header = syncHeader(sync.address, sync.step);
    let parts: Uint8Array[];
    try {
      parts = splitUpdate(sync.update, limit - header.byteLength - 5);
    } catch (error) {
      if (error instanceof WedSyncClientError) return this.onTooLarge(error);
      throw error;
    }
    // The server acknowledges each part; one acknowledgement was already expected for the whole.
    for (let i = 1; i < parts.length; i++) this.incrementUnsyncedChanges();
    for (const part of parts) {
      const e = encoding.createEncoder();
      encoding.writeUint8Array(e, header);
      encoding.writeVarUint8Array(e, part);
      const bytes = encoding.toUint8Array(e);
      this.largestFrameSinceOpen = Math.max(this.largestFrameSinceOpen, bytes.byteLength);
      socket.send(bytes);
    }
  }
}

function readSyncFrame(frame: Uint8Array): { address: string; step: number; update: Uint8Array } | null {
  const d = decoding.createDecoder(frame);
  const address = decoding.readVarString(d);
  if (decoding.readVarUint(d) !== MESSAGE_SYNC) return null;
  const step = decoding.readVarUint(d);
  if (step !== SYNC_STEP2 && step !== SYNC_UPDATE) return null;
  return { address, step, update: decoding.readVarUint8Array(d) };
}

function syncHeader(address: string, step: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, address);
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, step);
  return encoding.toUint8Array(e);
}
