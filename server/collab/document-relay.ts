import { WebSocket } from 'ws';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { RELAY_HEADER, routedDocument, type DocumentRouter } from './document-routing.ts';
import { MSG } from './message-guard.ts';
import { authToken, permissionDeniedFrame } from './socket-documents.ts';

/** The refusal a client gets for a document whose owner cannot be reached (close 1013; the SDK retries). */
export const OWNER_UNREACHABLE_REASON = 'document_owned_elsewhere';
/** How long connecting to an owner may take before the document is refused as unreachable, ms. */
export const RELAY_CONNECT_TIMEOUT_MS = 2_000;
/**
 * Every open relay is pinged this often (ms). A relay that did not answer the previous ping is
 * checked against its owner's lease (DocumentRouter.leaseLeft), one lookup per wedding and owner at
 * a time, and dropped only once the owner no longer holds it (checked again just after the lease
 * would lapse). An owner frozen (SIGSTOP, a long
 * pause) or cut off keeps its TCP connection open and answers nothing; but so does an owner whose
 * flow control paused reading the relay's socket (up to COLLAB_MAX_PAUSE_MS), and that one must only
 * be waited for, as a direct client is. The lease tells them apart: a frozen owner cannot renew it.
 * A frozen owner's clients cannot be served anywhere before its lease lapses anyway.
 */
export const RELAY_PING_MS = 2_000;
/**
 * A relay whose owner has answered nothing for this long is dropped even while the lease is held:
 * an owner cut off from this instance but not from the database keeps renewing. Longer than the
 * owner's longest flow-control pause (COLLAB_MAX_PAUSE_MS, 30 s by default), ms.
 */
export const RELAY_MAX_SILENCE_MS = 40_000;
/** How long after a lease's expiry (the database's clock) it is checked again, ms. */
const LEASE_RECHECK_MARGIN_MS = 50;
/** A routing lookup not answered within this many ms counts as failed (the wedding is tried here). */
export const ROUTE_TIMEOUT_MS = 5_000;
/** Close for a client socket whose owner's socket ended with a code that cannot be sent on (1005, 1006, 1015). */
export const OWNER_LOST = { code: 1013, reason: 'owner-unreachable' } as const;

export interface SocketRelayOptions {
  router: DocumentRouter;
  /** True when the document is loaded or loading here: served here without asking the router. */
  servedHere(documentName: string): boolean;
  /** Hands a client frame to this instance's Hocuspocus (the routing said "here"), in arrival order. */
  serveHere(frame: Uint8Array): void;
  /** A frame from the owner for the client, in Hocuspocus framing; returns the address it refuses, if it is a permission-denied frame. */
  toClient(frame: Uint8Array): string | undefined;
  /** The owner's socket ended while documents on it were live for the client: close the client's socket. */
  closeClient(code: number, reason: string): void;
  logger: Logger;
  metrics: Metrics;
}

/** One relayed document on one client socket: the socket to its owner and the client's live addresses on it. */
interface Relay {
  kind: 'relayed';
  upstream: WebSocket;
  /** Frames sent before the owner's socket opened. */
  queued: Uint8Array[] | null;
  /** Client addresses authenticating or open through this relay (an Auth adds, a Close or a refusal removes). */
  live: Set<string>;
  /** False from a ping until its pong. */
  answered: boolean;
  /** The wedding (`wedding:<id>`), and the instance and lease epoch it was relayed to. */
  document: string;
  owner: { instanceId: string; epoch: number };
  /** When the owner last answered (a pong, or opening), ms since epoch. */
  answeredAt: number;
  router: DocumentRouter;
  /** True while its owner's lease is being checked. */
  checking: boolean;
}

/** The open relays of every socket, pinged together (RELAY_PING_MS). */
const heartbeat = new Set<Relay>();
let heartbeatTimer: NodeJS.Timeout | null = null;
function watch(relay: Relay): void {
  heartbeat.add(relay);
  heartbeatTimer ??= setInterval(beat, RELAY_PING_MS).unref();
}
function beat(): void {
  const now = Date.now();
  for (const r of heartbeat) {
    if (!r.answered && now - r.answeredAt > RELAY_MAX_SILENCE_MS) {
      // Whatever its lease says (an owner cut off from us but not from the database keeps it).
      drop(r);
      continue;
    }
    if (!r.answered && !r.checking) checkOwner(r);
    r.answered = false;
    r.upstream.ping();
  }
}

/** Ends a relay whose owner is gone; its close event (1006) refuses or closes for the client, as for any lost owner. */
function drop(r: Relay): void {
  heartbeat.delete(r);
  r.upstream.terminate();
}

/** Lease lookups in flight, one per wedding and owner, shared by the relays that wait on them. */
const leaseLookups = new Map<string, Promise<number | null>>();

/**
 * Drops `r` once its owner no longer holds the wedding's lease. While it still does, and the lease
 * would lapse before the next round, the check runs again just after it lapses: a frozen owner's
 * clients move on as soon as another instance may serve the wedding, not up to a round later.
 */
function checkOwner(r: Relay): void {
  const key = `${r.document}\0${r.owner.instanceId}\0${r.owner.epoch}`;
  let lookup = leaseLookups.get(key);
  if (lookup === undefined) {
    // Without an answer the relay is kept: no other instance can take the lease without the database either.
    lookup = r.router.leaseLeft(r.document, r.owner).catch(() => RELAY_PING_MS);
    leaseLookups.set(key, lookup);
    void lookup.finally(() => leaseLookups.delete(key));
  }
  r.checking = true;
  void lookup.then((leftMs) => {
    r.checking = false;
    if (!heartbeat.has(r) || r.answered) return;
    if (leftMs === null) return drop(r);
    if (leftMs < RELAY_PING_MS) {
      setTimeout(() => {
        if (heartbeat.has(r) && !r.answered && !r.checking) checkOwner(r);
      }, leftMs + LEASE_RECHECK_MARGIN_MS).unref();
    }
  });
}

function unwatch(relay: Relay): void {
  heartbeat.delete(relay);
  if (heartbeat.size === 0 && heartbeatTimer !== null) {
    clearInterval(heartbeatTimer);
    heartbeatTimer = null;
  }
}
type Entry = { kind: 'routing'; held: { address: string; type: number; frame: Uint8Array }[] } | Relay;

/**
 * Routing for one client socket (docs/storage-backends.md, "Routing to the owner"). When a document
 * is first authenticated on the socket and is not loaded here, the router is asked where it is
 * served; meanwhile that document's frames are held, in order. Served here: they go to this
 * instance's Hocuspocus as usual. Served elsewhere: a socket is opened to the owner (one per client
 * socket and document, carrying RELAY_HEADER) and the client's frames for that document are sent
 * on it unchanged, in Hocuspocus framing (a y-websocket client's frames are translated before this
 * point, and the owner's replies after it). The owner runs every check itself: the token in the
 * Auth frame, the audience filter, validation, the durable acknowledgement.
 *
 * Failure is a retry, never a loss: an owner that cannot be reached (connect refused, no handshake
 * within RELAY_CONNECT_TIMEOUT_MS) refuses the document with `document_owned_elsewhere` (1013), and
 * an owner whose socket ends, or that stops answering pings and has lost its lease (RELAY_PING_MS),
 * while the client has documents on it closes the client's socket (the owner's code, or 1013), so the client reconnects and is routed afresh: to a new owner after a failover.
 * Nothing was acknowledged that the owner did not commit.
 */
export class SocketRelays {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  /** Frames handed to an owner's socket whose write has not completed (ws' send callback). */
  private unwritten = 0;

  constructor(private readonly options: SocketRelayOptions) {}

  /**
   * Takes one client frame (already checked) when its document is routed or relayed; false when it
   * is to be served here now.
   */
  handle(address: string, type: number, frame: Uint8Array): boolean {
    const document = routedDocument(address);
    if (document === null) return false;
    const entry = this.entries.get(document);
    if (entry?.kind === 'routing') {
      entry.held.push({ address, type, frame });
      return true;
    }
    if (entry?.kind === 'relayed') {
      this.send(entry, address, type, frame);
      if (type === MSG.Close) this.endIfUnused(document, entry);
      return true;
    }
    if (type !== MSG.Auth || this.options.servedHere(document)) return false;
    const routing: Entry = { kind: 'routing', held: [{ address, type, frame }] };
    this.entries.set(document, routing);
    withTimeout(this.options.router.route(document, authToken(frame)), ROUTE_TIMEOUT_MS).then(
      (route) => this.routed(document, routing, route.here ? null : route),
      (error: unknown) => {
        // Without an answer the document is tried here: its load takes the lease or is refused (1013).
        this.options.logger.warn({ err: error, document }, 'routing lookup failed; serving here');
        this.routed(document, routing, null);
      },
    );
    return true;
  }

  /**
   * Client frames this socket's relays hold and have not yet written to their owners: held while
   * routing, queued while the owner's socket opens, or handed to it and not yet written out (its
   * TCP buffers are full, e.g. because the owner's flow control stopped reading it). Counted with
   * Hocuspocus' own queue for the socket, so FlowControl stops reading the client's socket past
   * COLLAB_MAX_QUEUED_MESSAGES: an owner that throttles a relayed client throttles it here too,
   * instead of this instance buffering what it keeps reading.
   */
  backlog(): number {
    let n = this.unwritten;
    for (const entry of this.entries.values()) n += entry.kind === 'routing' ? entry.held.length : entry.queued?.length ?? 0;
    return n;
  }

  /** Closes every socket to an owner (the client's socket closed). */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) if (entry.kind === 'relayed') this.end(entry);
    this.entries.clear();
  }

  private routed(document: string, routing: Entry & { kind: 'routing' }, owner: { instanceId: string; url: string; epoch: number } | null): void {
    if (this.closed || this.entries.get(document) !== routing) return;
    if (owner === null) {
      this.entries.delete(document);
      for (const held of routing.held) this.options.serveHere(held.frame);
      return;
    }
    let relay: Relay;
    try {
      relay = this.open(document, owner);
    } catch (error) {
      // `new WebSocket` throws for a URL it cannot dial (a bad collab_instances.url): refuse, as for
      // an owner that cannot be reached, rather than leave the frames held and the rejection unhandled.
      this.entries.delete(document);
      this.options.logger.error({ err: error, document, owner: owner.url }, 'owner URL cannot be dialled');
      const live = new Set<string>();
      for (const held of routing.held) track(live, held.address, held.type);
      this.unreachable(live);
      return;
    }
    this.entries.set(document, relay);
    for (const held of routing.held) this.send(relay, held.address, held.type, held.frame);
    // Only once every held frame is on it: a Close may be followed by a new Auth.
    if (routing.held.some((held) => held.type === MSG.Close)) this.endIfUnused(document, relay);
  }

  /** Refuses `addresses` as unreachable (1013 `document_owned_elsewhere`): the owner could not be reached. */
  private unreachable(addresses: Iterable<string>): void {
    this.options.metrics.collabRelayFailures.inc();
    for (const address of addresses) this.options.toClient(permissionDeniedFrame(address, OWNER_UNREACHABLE_REASON));
  }

  private send(relay: Relay, address: string, type: number, frame: Uint8Array): void {
    track(relay.live, address, type);
    if (relay.queued) relay.queued.push(frame);
    else if (relay.upstream.readyState === WebSocket.OPEN) this.write(relay, frame);
  }

  private write(relay: Relay, frame: Uint8Array): void {
    this.unwritten++;
    // ws calls back once the frame is written to the socket, or with an error if the socket ends first.
    relay.upstream.send(frame, () => { this.unwritten--; });
  }

  /**
   * The client closed its last address of the wedding: the socket to the owner goes too (after the
   * Close frame), so it neither lingers until the client's socket ends nor pins a later Auth to an
   * instance that may no longer own the wedding. A later Auth is routed afresh.
   */
  private endIfUnused(document: string, relay: Relay): void {
    if (relay.live.size > 0 || this.entries.get(document) !== relay) return;
    this.entries.delete(document);
    this.end(relay);
  }

  private open(document: string, { instanceId, url, epoch }: { instanceId: string; url: string; epoch: number }): Relay {
    const { logger, metrics } = this.options;
    const upstream = new WebSocket(url, {
      headers: { [RELAY_HEADER]: this.options.router.instanceId },
      handshakeTimeout: RELAY_CONNECT_TIMEOUT_MS,
      perMessageDeflate: false,
    });
    const relay: Relay = { kind: 'relayed', upstream, queued: [], live: new Set(), answered: true, answeredAt: Date.now(), document, owner: { instanceId, epoch }, router: this.options.router, checking: false };
    metrics.collabRelays.inc();
    upstream.binaryType = 'nodebuffer';
    upstream.on('open', () => {
      const queued = relay.queued ?? [];
      relay.queued = null;
      for (const frame of queued) this.write(relay, frame);
      relay.answeredAt = Date.now();
      watch(relay);
    });
    upstream.on('pong', () => {
      relay.answered = true;
      relay.answeredAt = Date.now();
    });
    upstream.on('message', (data: Buffer) => {
      if (this.entries.get(document) !== relay) return;
      const frame = new Uint8Array(data);
      const denied = this.options.toClient(frame);
      if (denied !== undefined) {
        relay.live.delete(denied);
        // Refused its last address: a later Auth is routed afresh (the wedding may have moved).
        this.endIfUnused(document, relay);
      }
    });
    upstream.on('error', (error) => logger.info({ err: error, document, owner: url }, 'relay to the owner failed'));
    upstream.on('close', (code: number, reason: Buffer) => {
      metrics.collabRelays.dec();
      unwatch(relay);
      if (this.closed || this.entries.get(document) !== relay) return;
      this.entries.delete(document);
      if (relay.queued !== null) {
        // Never opened: the owner is gone or frozen. Refuse what the client asked for; it comes back.
        this.unreachable(relay.live);
        return;
      }
      if (relay.live.size === 0) return;
      const sendable = code >= 1000 && code <= 4999 && code !== 1005 && code !== 1006 && code !== 1015;
      this.options.closeClient(sendable ? code : OWNER_LOST.code, sendable ? reason.toString() : OWNER_LOST.reason);
    });
    return relay;
  }

  private end(relay: Relay): void {
    if (relay.upstream.readyState === WebSocket.CONNECTING) return relay.upstream.terminate();
    relay.upstream.close(1000, 'client-closed');
    // An owner that does not answer the close (frozen) would hold it for ws' 30 s close timeout.
    setTimeout(() => { if (relay.upstream.readyState !== WebSocket.CLOSED) relay.upstream.terminate(); }, RELAY_CONNECT_TIMEOUT_MS).unref();
  }
}

/** `promise`, or a rejection after `ms` (the promise is left to settle on its own). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Keeps `live` (a relay's client addresses authenticating or open) up to date with one client frame. */
function track(live: Set<string>, address: string, type: number): void {
  if (type === MSG.Auth) live.add(address);
  else if (type === MSG.Close) live.delete(address);
}
