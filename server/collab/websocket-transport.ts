import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hocuspocus, WebSocketLike } from '@hocuspocus/server';
import { AUTH_ERROR_STATUS } from '../auth/auth-error.ts';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { WriteBarrier } from '../storage/write-barrier.ts';
import type { CollabContext, Transport } from './context.ts';
import { SocketRelays } from './document-relay.ts';
import { RELAY_HEADER, type DocumentRouter } from './document-routing.ts';
import { DOCUMENT_ELSEWHERE_CLOSE, DOCUMENT_UNAVAILABLE_CLOSE } from './document-unavailable.ts';
import { hocuspocusQueueLength, type FlowControl } from './flow-control.ts';
import { SocketViews } from './audience-addresses.ts';
import { CloseSequencer } from './close-sequencer.ts';
import { checkFrame } from './message-guard.ts';
import { SocketDocuments, limitsFrame } from './socket-documents.ts';
import { HOCUSPOCUS_FRAMING, yWebsocketFramingFor, type SocketFraming } from './socket-framing.ts';

/**
 * Refusals of a document's load (DurablePersistence.onLoadDocument), by reason: the close code a
 * socket left with nothing open gets, whichever socket's connection started the load.
 */
const LOAD_REFUSAL_CLOSE = { document_unavailable: DOCUMENT_UNAVAILABLE_CLOSE, document_owned_elsewhere: DOCUMENT_ELSEWHERE_CLOSE } as const;

/** The close code of a refusal another instance decided (a relayed document): its load or auth code's, else 4403. */
function relayedRefusalClose(reason: string): number {
  return LOAD_REFUSAL_CLOSE[reason as keyof typeof LOAD_REFUSAL_CLOSE] ?? AUTH_ERROR_STATUS[reason as keyof typeof AUTH_ERROR_STATUS]?.ws ?? CLOSE.forbidden.code;
}

/** WebSocket close codes this server uses besides Hocuspocus' own. */
export const CLOSE = {
  badMessage: { code: 4400, reason: 'malformed-message' },
  unauthorized: { code: 4401, reason: 'unauthorized' },
  forbidden: { code: 4403, reason: 'forbidden' },
  tooLarge: { code: 4413, reason: 'message-too-large' },
  shuttingDown: { code: 1001, reason: 'server-shutting-down' },
} as const;

export interface CollabTransportOptions {
  path: string;
  maxMessageBytes: number;
  logger: Logger;
  metrics: Metrics;
  /**
   * Acknowledgements (sync status frames), broadcasts and sync replies wait for the update log's
   * commit: the GroupCommit on SQLite, the append barrier on PostgreSQL (DocumentLog.barrier).
   */
  barrier: WriteBarrier;
  /** A socket on which no document is authenticated within this many ms is closed with 4401. */
  authTimeoutMs: number;
  /** Budgets and backpressure per socket and per wedding (server/collab/flow-control.ts); none when absent. */
  flow?: FlowControl;
  /**
   * Where y-websocket clients connect (`<path>/<document name>?token=…`, server/collab/socket-framing.ts);
   * not served when absent.
   */
  yWebsocketPath?: string;
  /**
   * Instances sharing a PostgreSQL database: a document loaded on another instance has its frames
   * relayed to that owner (server/collab/document-relay.ts). Absent on SQLite.
   */
  router?: DocumentRouter;
}

export interface CollabTransport {
  /** Closes every socket (1001) so clients reconnect elsewhere. */
  closeAll(): void;
  connectionCount(): number;
}

/**
 * Accepts WebSocket upgrades on `path` and hands each socket to Hocuspocus. Frames are size-checked
 * and structurally validated first; a bad frame closes only its own connection.
 */
export function attachCollabTransport(server: HttpServer, hocuspocus: Hocuspocus, options: CollabTransportOptions): CollabTransport {
  const { logger, metrics } = options;
  /** Unread outgoing bytes past which a socket is dropped (0: never): four times where flow control stops reading it. */
  const dropUnread = 4 * (options.flow?.options.maxBufferedBytes ?? 0);
  /** How long (ms) a socket may stay past that before it is dropped: the longest pause flow control allows. */
  const dropAfterMs = options.flow?.options.maxPauseMs ?? 30_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const framing = url.pathname === options.path ? HOCUSPOCUS_FRAMING
      : options.yWebsocketPath === undefined ? undefined : yWebsocketFramingFor(url, req.headers.authorization, options.yWebsocketPath);
    if (framing === undefined) {
      metrics.wsRejected.inc({ reason: 'unknown_path' });
      const where = options.yWebsocketPath === undefined ? options.path : `${options.path} (Hocuspocus) or ${options.yWebsocketPath}/<document> (y-websocket)`;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n' +
        JSON.stringify({ error: { code: 'not_found', message: `WebSocket connections go to ${where}` } }));
      return;
    }
    socket.on('error', (error) => logger.debug({ err: error }, 'socket error during upgrade'));
    wss.handleUpgrade(req, socket, head, (ws) => (framing === 'malformed' ? refuse(ws, 'malformed', CLOSE.badMessage) : accept(ws, req, framing)));
  });

  function accept(ws: WebSocket, req: IncomingMessage, framing: SocketFraming): void {
    metrics.connections.inc();
    reportOversizeAs4413(ws);
    const documents = new SocketDocuments();
    const audiences = new SocketViews((name) => hocuspocus.documents.get(name));
    // A socket that never authenticates holds memory and a file descriptor for nothing: it gets a
    // few seconds to open its first document (Hocuspocus would wait for its idle timeout).
    let authenticatedOnce = false;
    const authDeadline = setTimeout(() => {
      if (!authenticatedOnce && ws.readyState === ws.OPEN) refuse(ws, 'auth_timeout', CLOSE.unauthorized);
    }, options.authTimeoutMs);
    authDeadline.unref();
    const transport: Transport = {
      remoteAddress: req.socket.remoteAddress,
      close(code, reason) {
        // After the current turn, so a permission-denied message queued just before is sent first.
        setImmediate(() => ws.close(code, reason));
      },
      refuseDocument(documentName, code, reason) {
        documents.refused(documentName);
        // Decided after the current turn too: a token for another document may be arriving.
        setImmediate(() => {
          if (documents.nothingLeft() || documents.tooManyRefused()) ws.close(code, reason);
        });
      },
    };
    const context: CollabContext = { transport };
    // A socket another instance opened for its client is served here or refused, never relayed on.
    const relays = options.router && req.headers[RELAY_HEADER] === undefined ? new SocketRelays({
      router: options.router,
      servedHere: (name) => hocuspocus.documents.has(name) || hocuspocus.loadingDocuments.has(name),
      serveHere,
      toClient(frame) {
        const { authenticated, denied } = documents.outgoing(frame);
        if (authenticated !== undefined) authenticatedOnce = true;
        if (denied) transport.refuseDocument(denied.address, relayedRefusalClose(denied.reason), denied.reason);
        if (ws.readyState === ws.OPEN) write(frame);
        return denied?.address;
      },
      closeClient: (code, reason) => transport.close(code, reason),
      logger,
      metrics,
    }) : undefined;
    /**
     * Puts a Hocuspocus frame on the wire in the client's framing. A client that has kept more than
     * four times the outgoing limit unread for the longest pause (flow control stops reading it at
     * the limit, but others' broadcasts still come) is dropped rather than buffered for without end:
     * it resyncs when it reconnects. One large answer alone (a wedding's sync) does not drop it.
     */
    let unreadSince = 0;
    const send = (data: Uint8Array) => {
      ws.send(data);
      if (dropUnread === 0) return;
      if (ws.bufferedAmount <= dropUnread) {
        unreadSince = 0;
        return;
      }
      const now = Date.now();
      if (unreadSince === 0) unreadSince = now;
      if (now - unreadSince >= dropAfterMs && ws.readyState === ws.OPEN) {
        metrics.wsRejected.inc({ reason: 'not_reading' });
        logger.warn({ remote: req.socket.remoteAddress, bufferedBytes: ws.bufferedAmount }, 'collab client left too much unread; connection dropped');
        ws.terminate();
      }
    };
    const write = framing === HOCUSPOCUS_FRAMING ? send : (frame: Uint8Array): void => {
      const out = framing.outgoing(frame);
      if (out === 'drop') return;
      if ('close' in out) return transport.close(out.close.code, out.close.reason);
      send(out);
    };
    const socket = durableAcks(ws, options.barrier, req.socket, (frame) => {
      // The limits go out just before `authenticated`, so the client knows them before the
      // server's sync step 1 asks for its (possibly large) sync step 2.
      const { authenticated, denied } = documents.outgoing(frame);
      if (authenticated !== undefined) authenticatedOnce = true;
      // A load that failed is answered to every socket that waited for it, but only the one that
      // started it ran the refusal with its own context: the others act on the answer here.
      const loadClose = denied && LOAD_REFUSAL_CLOSE[denied.reason as keyof typeof LOAD_REFUSAL_CLOSE];
      if (denied && loadClose) transport.refuseDocument(denied.address, loadClose, denied.reason);
      if (authenticated !== undefined && ws.readyState === ws.OPEN) write(limitsFrame(authenticated, options.maxMessageBytes));
    }, write);
    // Every frame Hocuspocus sends passes the audience filter first (audience-addresses.ts).
    const viewed: WebSocketLike = {
      get readyState() { return socket.readyState; },
      close: (code?: number, reason?: string) => socket.close(code, reason),
      send(data: Parameters<WebSocketLike['send']>[0]) {
        const out = audiences.outgoing(data as Uint8Array);
        if (out) socket.send(out);
      },
    };
    const connection = hocuspocus.handleConnection(viewed, toFetchRequest(req), context);
    const closes = new CloseSequencer(connection, (frame) => viewed.send(frame));
    for (const frame of framing.opening) forward(frame);
    // Relayed frames not yet written to their owners, and frames held behind a Close, count as queued too.
    const flow = options.flow?.socket(ws, () => hocuspocusQueueLength(connection) + (relays?.backlog() ?? 0) + closes.heldCount());

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return refuse(ws, 'text_frame', CLOSE.badMessage);
      if (data.byteLength > options.maxMessageBytes) return refuse(ws, 'message_too_large', CLOSE.tooLarge);
      // Flow control may hold the message for a later event-loop turn (pausing the socket), never
      // drop it; even its structural check waits, so a held burst costs nothing until its turn.
      if (flow) flow.deliver(data.byteLength, () => handleFrame(data));
      else handleFrame(data);
    });
    /** Translates one frame into Hocuspocus' framing, then checks and forwards it. */
    function handleFrame(data: Buffer): string | undefined {
      // A standalone copy: Hocuspocus' decoder must not be able to read past the frame into a pooled buffer.
      const frame = framing.incoming(data);
      if (frame === null) {
        logger.info({ reason: 'message type not in the protocol', remote: req.socket.remoteAddress }, 'malformed collab message; closing connection');
        refuse(ws, 'malformed', CLOSE.badMessage);
        return undefined;
      }
      return forward(frame);
    }
    /** Checks one Hocuspocus frame and hands it to Hocuspocus; returns its document when that is open on this socket. */
    function forward(frame: Uint8Array): string | undefined {
      const verdict = checkFrame(frame);
      if (!verdict.ok) {
        logger.info({ reason: verdict.reason, remote: req.socket.remoteAddress }, 'malformed collab message; closing connection');
        refuse(ws, 'malformed', CLOSE.badMessage);
        return undefined;
      }
      if (verdict.forward && documents.incoming(verdict.documentName, verdict.type)) {
        // A document served by another instance: its budget is charged there, on the relay's socket.
        if (relays?.handle(verdict.documentName, verdict.type, frame)) return undefined;
        serveHere(frame);
      }
      return documents.openDocument(verdict.documentName);
    }
    /** Hands one checked client frame to this instance's Hocuspocus, a Close in order (close-sequencer.ts). */
    function serveHere(frame: Uint8Array): void {
      const { frame: addressed, request } = audiences.incoming(frame);
      closes.deliver(addressed, () => {
        // Read by the auth hook: Hocuspocus copies the context when a document's first frame arrives.
        context.audience = request ?? undefined;
        connection.handleMessage(addressed);
      });
    }
    ws.on('error', (error: Error & { code?: string }) => {
      // ws reports a frame over maxPayload as an error before closing (with 4413, see below).
      metrics.wsRejected.inc({ reason: error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'message_too_large' : 'socket_error' });
      logger.info({ err: error, remote: req.socket.remoteAddress }, 'websocket error');
    });
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(authDeadline);
      relays?.close();
      flow?.dispose();
      closes.close();
      metrics.connections.dec();
      connection.handleClose({ code, reason: reason.toString() });
    });
  }

  function refuse(ws: WebSocket, reason: string, close: { code: number; reason: string }): void {
    metrics.wsRejected.inc({ reason });
    ws.close(close.code, close.reason);
  }

  return {
    closeAll() {
      for (const ws of wss.clients) ws.close(CLOSE.shuttingDown.code, CLOSE.shuttingDown.reason);
    },
    connectionCount: () => wss.clients.size,
  };
}

/**
 * The socket as Hocuspocus sees it: while writes are pending (see WriteBarrier), every frame is held
 * until they are committed, then sent in order. That covers the sync status frame (the
 * acknowledgement that makes a provider's unsynced count drop) and equally the broadcast of a
 * change to peers and sync replies built from the live document: nothing derived from a change
 * leaves the server before the change is stored. If a commit fails, the documents it changed are
 * discarded first (their sockets closed, see DurablePersistence.discard), so held frames are
 * dropped there; a socket still open had nothing in the failed commit and gets its frames.
 * `beforeSend` sees every frame first; `write` puts a frame on the wire (translating it, for a
 * client that speaks another framing).
 *
 * Frames are held in batches, one per barrier generation: a frame sent after further writes began
 * (PostgreSQL, where the next group of appends opens while one is committing) waits for those
 * writes too, never going out with an earlier batch. On SQLite a group's commit releases its batch
 * before the next group opens, so there is one batch at a time.
 *
 * The frames released after one commit go out in one write: ws writes each frame on its own
 * (cork, write, uncork: one writev system call per frame), which under a flood was an eighth of the
 * server's CPU (an acknowledgement per update). Corking the TCP socket around the batch makes the
 * frames one writev.
 */
function durableAcks(ws: WebSocket, barrier: WriteBarrier, tcp: Pick<Duplex, 'cork' | 'uncork'>, beforeSend: (frame: Uint8Array) => void, write: (frame: Uint8Array) => void): WebSocketLike {
  const batches: { generation: number; frames: Uint8Array[] }[] = [];
  /** Sends the held batches up to and including `last` (callbacks run in order, so it is at the head). */
  const release = (last: { frames: Uint8Array[] }) => {
    const frames: Uint8Array[] = [];
    for (;;) {
      const batch = batches.shift();
      if (!batch) break;
      frames.push(...batch.frames);
      if (batch === last) break;
    }
    if (ws.readyState !== ws.OPEN) return;
    if (frames.length === 1) return write(frames[0]!);
    tcp.cork();
    try {
      for (const frame of frames) write(frame);
    } finally {
      tcp.uncork();
    }
  };
  return {
    get readyState() { return ws.readyState; },
    close: (code?: number, reason?: string) => ws.close(code, reason),
    send(data: Parameters<WebSocketLike['send']>[0]) {
      beforeSend(data as Uint8Array);
      const frame = data as Uint8Array;
      const newest = batches[batches.length - 1];
      if (!barrier.pending) {
        if (!newest) return write(frame);
        // The writes settled but their callbacks have not run yet: go out after the held frames.
        newest.frames.push(frame);
        return;
      }
      if (newest && newest.generation === barrier.generation) {
        newest.frames.push(frame);
        return;
      }
      const batch = { generation: barrier.generation, frames: [frame] };
      batches.push(batch);
      barrier.afterCommit(() => release(batch));
    },
  };
}

function toFetchRequest(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), { headers });
}

/**
 * NOTE: ws enforces `maxPayload` itself and closes with 1009 before the frame is buffered, which is
 * what keeps an oversized frame from using memory. Our protocol promises 4413 for that case, and ws
 * takes the close code from a symbol-keyed property of the error it emits; we rewrite that property
 * in a listener that runs before ws' own. tests/collab/bad-input.test.ts asserts the 4413.
 */
function reportOversizeAs4413(ws: WebSocket): void {
  const receiver = (ws as unknown as { _receiver?: NodeJS.EventEmitter })._receiver;
  receiver?.prependListener('error', (error: Error & { code?: string }) => {
    if (error.code !== 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return;
    const status = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
    if (status) (error as unknown as Record<symbol, number>)[status] = CLOSE.tooLarge.code;
    // ws closes with the status alone; closed here first, the close carries the documented reason
    // too (ws' own close then finds the socket closing and adds nothing).
    if (ws.readyState === ws.OPEN) ws.close(CLOSE.tooLarge.code, CLOSE.tooLarge.reason);
  });
}

