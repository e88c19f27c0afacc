import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the sandbox accepted (answered 250 to), decoded enough to assert on. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  /** The authenticated user, if the client logged in. */
  user: string | null;
}

/**
 * A local SMTP server (smtp-server) that records every accepted message. It can require AUTH, be
 * down (421 at connect), fail the next messages with a given reply code, or hold its answer to
 * DATA (the message is only accepted, as in SMTP, when the 250 is sent).
 */
export class SmtpSandbox {
  readonly received: ReceivedMail[] = [];
  /** Replies given other than 250, with the code. */
  readonly refused: { code: number; to: string[] }[] = [];
  private readonly server: SMTPServer;
  private failures: { count: number; code: number } = { count: 0, code: 451 };
  private held: (() => void)[] | null = null;
  down = false;
  port = 0;
  host = '127.0.0.1';

  constructor(private readonly options: { users?: Record<string, string> } = {}) {
    this.server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !options.users,
      allowInsecureAuth: true,
      closeTimeout: 50,
      size: 10 * 1024 * 1024,
      onConnect: (_session, callback) => {
        if (this.down) return callback(Object.assign(new Error('Service not available, closing transmission channel'), { responseCode: 421 }));
        callback();
      },
      onAuth: (auth, _session, callback) => {
        const users = this.options.users ?? {};
        if (auth.username && users[auth.username] === auth.password) return callback(null, { user: auth.username });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      // A client that goes away mid-message ends the stream with an error: recorded, never an unhandled rejection.
      onData: (stream, session, callback) => void this.onData(stream, session, callback).catch((error: Error) => { this.connectionErrors.push(error); }),
    });
    // A client that goes away mid-session (a server killed with -9) resets its connection; smtp-server
    // reports that as an 'error' on the server, which must not bring the process down.
    this.server.on('error', (error) => { this.connectionErrors.push(error); });
  }

  /** Connection-level errors (resets by clients that went away). */
  readonly connectionErrors: Error[] = [];

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answer the next `count` messages with `code` (4xx: try later; 5xx: refused). */
  failNext(count: number, code = 451): void {
    this.failures = { count, code };
  }

  /** Messages wait for their 250 until `release()`. */
  holdData(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const go of held) go();
  }

  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Mail to `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address.toLowerCase()));
  }

  private async onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
    if (this.failures.count > 0) {
      this.failures.count--;
      this.refused.push({ code: this.failures.code, to });
      return callback(Object.assign(new Error(this.failures.code >= 500 ? 'Requested action not taken: mailbox unavailable' : 'Requested action aborted: local error in processing'), { responseCode: this.failures.code }));
    }
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    const raw = Buffer.concat(chunks).toString('utf8');
    const mail = parseMail(raw);
    this.received.push({
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to, raw, ...mail,
      user: typeof session.user === 'string' ? session.user : null,
    });
    callback();
  }
}

// ── a small MIME reader: enough for what nodemailer writes ────────────────────────────────────────
function splitHead(raw: string): { head: Record<string, string>; body: string } {
  const i = raw.search(/\r?\n\r?\n/);
  const headText = i < 0 ? raw : raw.slice(0, i);
  const body = i < 0 ? '' : raw.slice(i).replace(/^\r?\n\r?\n/, '');
  const head: Record<string, string> = {};
  for (const line of headText.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) head[line.slice(0, c).trim().toLowerCase()] = decodeWords(line.slice(c + 1).trim());
  }
  return { head, body };
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_m, _charset: string, enc: string, text: string) => (enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : decodeQuotedPrintable(text.replace(/_/g, ' '))));
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const input = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(input[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64': return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': return decodeQuotedPrintable(body);
    default: return body;
  }
}

function parseMail(raw: string): Omit<ReceivedMail, 'from' | 'to' | 'raw' | 'user'> {
  const { head, body } = splitHead(raw);
  let text = '';
  let html = '';
  const visit = (h: Record<string, string>, b: string) => {
    const type = h['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const p = splitHead(part.replace(/^\r?\n/, ''));
        visit(p.head, p.body);
      }
    } else if (/^text\/html/i.test(type)) html ||= decodeBody(b, h['content-transfer-encoding']);
    else if (/^text\/plain/i.test(type)) text ||= decodeBody(b, h['content-transfer-encoding']).replace(/\r\n/g, '\n').trimEnd();
  };
  visit(head, body);
  return { headers: head, messageId: head['message-id'] ?? '', subject: head.subject ?? '', text, html };
}
