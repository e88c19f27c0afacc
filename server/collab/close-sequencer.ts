import { OutgoingMessage } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import { MSG } from './message-guard.ts';

/** What is read of Hocuspocus' ClientConnection (4.x): its document connections by address. */
interface ClientConnectionInternals {
  documentConnections?: Record<string, { waitForPendingMessages(): Promise<void> }>;
  /** Addresses whose Auth is being handled (the connection is not registered yet). */
  documentConnectionsEstablished?: Set<string>;
}

/** How often frames held behind a Close wait for an authentication under way to finish, ms. */
const AUTH_POLL_MS = 10;

/**
 * Keeps a document's Close, and what the client sends after it, in order on one socket.
 *
 * Hocuspocus (ClientConnection.handleMessage) hands every frame for an address to that address's
 * connection while it is registered, and a connection handles its frames one at a time. So:
 * - frames that arrive after a Close but before that Close has been handled (the connection is
 *   busy with an earlier frame) go to the connection being closed. A new provider's Auth and sync
 *   step 1 for the same document are then answered from there (the client reports synced) and its
 *   updates are never applied;
 * - a Close for an address with no connection (a client detaching after the server refused or
 *   closed the document) is queued as if it came before an Auth, and ends the next connection the
 *   client opens for that document as soon as it is set up, with the same outcome.
 *
 * Here a Close is handed on only when it can be handled in order: behind a registered connection,
 * the frames that follow it wait until that connection has handled it; while an Auth for the
 * address is being handled, the Close and what follows wait for that to finish; with neither, the
 * Close is answered here (the Close frame Hocuspocus sends when a connection closes, which clients
 * wait for) and dropped. Other addresses are never held.
 */
export class CloseSequencer {
  private readonly held = new Map<string, { frame: Uint8Array; hand: () => void }[]>();
  private closed = false;

  /**
   * @param clientConnection the socket's Hocuspocus ClientConnection.
   * @param answer sends a frame to the client, in order with the rest.
   */
  constructor(
    private readonly clientConnection: unknown,
    private readonly answer: (frame: Uint8Array) => void,
  ) {}

  /**
   * One client frame, already checked and addressed as Hocuspocus will read it; `hand` hands it to
   * Hocuspocus (now, or later if it is held).
   */
  deliver(frame: Uint8Array, hand: () => void): void {
    if (this.closed) return;
    const { address, type } = header(frame);
    const queue = this.held.get(address);
    if (queue) return void queue.push({ frame, hand });
    if (type !== MSG.Close) return hand();
    const cc = this.clientConnection as ClientConnectionInternals;
    const open = cc.documentConnections?.[address];
    if (open) {
      hand();
      this.held.set(address, []);
      return void this.release(address, open.waitForPendingMessages());
    }
    if (cc.documentConnectionsEstablished?.has(address)) {
      // Its Auth is being handled: the Close waits for the outcome, then goes through here again.
      this.held.set(address, [{ frame, hand }]);
      return void this.release(address, this.authSettled(address));
    }
    this.answer(new OutgoingMessage(address).writeCloseMessage('no connection for this document').toUint8Array());
  }

  /** Frames held now, counted by flow control with the socket's other queued frames. */
  heldCount(): number {
    let n = 0;
    for (const q of this.held.values()) n += q.length;
    return n;
  }

  /** Drops what is held, and holds nothing more: the socket closed. */
  close(): void {
    this.closed = true;
    this.held.clear();
  }

  private async release(address: string, settled: Promise<void>): Promise<void> {
    try {
      await settled;
    } catch {
      // The connection ended with an error: what follows is handed on as it would have been.
    }
    const waiting = this.held.get(address) ?? [];
    this.held.delete(address);
    for (const w of waiting) this.deliver(w.frame, w.hand);
  }

  /** Resolves once the address's Auth has ended: its connection registered, or the attempt dropped. */
  private authSettled(address: string): Promise<void> {
    const cc = this.clientConnection as ClientConnectionInternals;
    return new Promise((resolve) => {
      const check = () => {
        if (this.closed || cc.documentConnections?.[address] || !cc.documentConnectionsEstablished?.has(address)) resolve();
        else setTimeout(check, AUTH_POLL_MS).unref();
      };
      check();
    });
  }
}

function header(frame: Uint8Array): { address: string; type: number } {
  const d = decoding.createDecoder(frame);
  const address = decoding.readVarString(d);
  return { address, type: decoding.readVarUint(d) };
}
