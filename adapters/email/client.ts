import type net from 'node:net';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { AdapterError, destinationForbidden, networkReason, type Egress } from '../core/index.ts';
import type { EmailConfiguration, EmailCredentials } from './config.ts';

/** A pooled SMTP transport for one integration; its connections are opened through `egress` (checked). */
export function createTransport(config: EmailConfiguration, credentials: EmailCredentials, egress: Pick<Egress, 'connect'>) {
  const options: SMTPTransport.Options & { pool: true; maxConnections: number } = {
    pool: true,
    maxConnections: config.maxConnections,
    host: config.host,
    port: config.port,
    secure: config.tls === 'implicit',
    requireTLS: config.tls === 'starttls',
    ignoreTLS: config.tls === 'none',
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    ...(credentials.username ? { auth: { user: credentials.username, pass: credentials.password! } } : {}),
    // NOTE: nodemailer writes a message's headers and its body separately; with Nagle's algorithm the
    // body then waits for the server's delayed ACK (40 ms on Linux), on every message. So nodemailer
    // gets connections with TCP_NODELAY, opened here (it still does STARTTLS or implicit TLS on them).
    getSocket: (o: { host: string; port: number }, callback: (err: Error | null, socketOptions?: { connection: net.Socket }) => void) => {
      let done = false;
      const finish = (err: Error | null, socket?: net.Socket) => {
        if (done) return;
        done = true;
        callback(err, socket ? { connection: socket } : undefined);
      };
      const socket = egress.connect({ host: o.host, port: o.port }, () => {
        socket.setTimeout(0);
        socket.setNoDelay(true);
        finish(null, socket);
      });
      socket.setTimeout(10_000, () => socket.destroy(Object.assign(new Error(`connection to ${o.host}:${o.port} timed out`), { code: 'ETIMEDOUT' })));
      socket.once('error', (err) => finish(Object.assign(err, { code: (err as { code?: string }).code ?? 'ECONNECTION' })));
    },
  };
  return nodemailer.createTransport(options);
}

/**
 * An SMTP failure → the error the bridge acts on: 4xx replies are temporary by RFC 5321 (retry),
 * 5xx are permanent, authentication failures stop, connection problems are retried.
 */
export function smtpError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  // The server's reply text is not quoted: it is the remote system's (see errorForStatus); its code is.
  const e = error as { code?: string; responseCode?: number };
  const forbidden = destinationForbidden(error);
  if (forbidden) return new AdapterError('destination_forbidden', `SMTP: ${forbidden.message}`, { cause: error });
  if (e?.code === 'EAUTH') return new AdapterError('unauthorized', `the SMTP server refused our credentials${e.responseCode ? ` (${e.responseCode})` : ''}`, { status: e.responseCode, cause: error });
  if (typeof e?.responseCode === 'number') {
    if (e.responseCode >= 400 && e.responseCode < 500) return new AdapterError('transient', `SMTP ${e.responseCode}`, { status: e.responseCode, cause: error });
    if (e.responseCode >= 500) return new AdapterError('permanent', `SMTP ${e.responseCode}`, { status: e.responseCode, cause: error });
  }
  return new AdapterError('transient', `SMTP server unreachable: ${networkReason(error)}`, { cause: error });
}
