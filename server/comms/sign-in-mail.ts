import net from 'node:net';
import { createTransport, smtpError } from '../../adapters/email/client.ts';
import { EmailConfiguration, EmailCredentials } from '../../adapters/email/config.ts';
import type { Logger } from '../logger.ts';
import type { MailMessage, MailSender } from '../people/mail.ts';

/** One sign-in e-mail to send. */
export interface SignInMail {
  to: string;
  link: string;
  /** ms since the epoch (UTC) when the link stops working. */
  expiresAt: number;
  /**
   * True for a link adding this address to an account (POST /api/me/email). Its mail names no
   * account: the address is not confirmed yet, and an account's name is whatever its owner typed.
   */
  addsAddress?: boolean;
}

/**
 * Sends sign-in links: the server's own mail, not a wedding's (see createSignInMailer).
 */
export interface SignInMailer {
  /** True when mail goes out over SMTP; false when links are printed on the console. */
  readonly smtp: boolean;
  /** Rejects with an AdapterError when the SMTP server refuses or cannot be reached. */
  send(mail: SignInMail): Promise<void>;
  close(): void;
}

/** `Name <address>` or `address` → nodemailer's sender. Throws RangeError on anything else. */
export function parseMailFrom(value: string): { name?: string; address: string } {
  const m = /^\s*(?:"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+))\s*$/.exec(value);
  if (!m) throw new RangeError(`MAIL_FROM must be "Name <address>" or an address, not ${JSON.stringify(value)}`);
  return m[3] ? { address: m[3] } : { ...(m[1] ? { name: m[1] } : {}), address: m[2]! };
}

/**
 * SMTP_URL → the e-mail channel's configuration and credentials (validated by its own zod schemas).
 * `smtps:` is implicit TLS (default port 465); `smtp:` requires STARTTLS (default port 587) unless
 * `?tls=none`. Throws the channel's validation error, or RangeError for a malformed URL.
 */
export function smtpSettings(smtpUrl: string, from: { name?: string; address: string }): { configuration: EmailConfiguration; credentials: EmailCredentials } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch (error) {
    throw new RangeError('SMTP_URL is not a valid URL', { cause: error });
  }
  const implicit = url.protocol === 'smtps:';
  const tls = implicit ? 'implicit' : url.searchParams.get('tls') === 'none' ? 'none' : 'starttls';
  const configuration = EmailConfiguration.parse({
    host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : implicit ? 465 : 587, tls, from, maxConnections: 2,
  });
  const credentials = EmailCredentials.parse(url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : {});
  return { configuration, credentials };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The sign-in e-mail, or the one confirming an address added to an account (plain text and HTML). Pure. */
export function composeSignInMail(mail: SignInMail, minutes: number): { subject: string; text: string; html: string } {
  const adding = mail.addsAddress === true;
  const lead = adding
    ? 'You asked to add this e-mail address to your WedSync Hub account. Open this link in the browser where you asked, and you can then sign in with the address on any device:'
    : 'Open this link to sign in to WedSync Hub:';
  const foot = adding
    ? `It works once, for the next ${minutes} minutes. If you did not ask for it, ignore this e-mail: without the link, the address is not added.`
    : `It works once, for the next ${minutes} minutes. If you did not ask for it, ignore this e-mail: nobody can sign in without the link.`;
  return {
    subject: adding ? 'Confirm your e-mail address for WedSync Hub' : 'Your sign-in link for WedSync Hub',
    text: `${lead}\n\n${mail.link}\n\n${foot}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>${escapeHtml(lead)}</p>
<p><a href="${escapeHtml(mail.link)}" style="display:inline-block;padding:10px 18px;background:#7a3e6b;color:#fff;border-radius:6px;text-decoration:none">${adding ? 'Add this address' : 'Sign in'}</a></p>
<p style="color:#777;font-size:12px">${escapeHtml(foot)}</p>
</body></html>`,
  };
}

/** A MailSender (server/people/mail.ts) over SMTP; `html` is sent as the alternative part when given. */
export interface SmtpMailSender extends MailSender {
  send(message: MailMessage & { html?: string }): Promise<void>;
  /** Closes the pooled connections. */
  close(): void;
}

/**
 * The server's own mail over SMTP (SMTP_URL, MAIL_FROM), through the e-mail channel's transport
 * (adapters/email/client.ts). Checks both settings when called, so a bad one stops the start
 * rather than the first e-mail (throws RangeError or the channel's validation error). Rejects a
 * send with the channel's AdapterError when the SMTP server refuses it or cannot be reached.
 */
export function createSmtpMailSender(options: { smtpUrl: string; mailFrom?: string; defaultFromHost: () => string }): SmtpMailSender {
  smtpSettings(options.smtpUrl, parseMailFrom(options.mailFrom ?? 'check@example.com'));
  let open: { transport: ReturnType<typeof createTransport>; from: { name?: string; address: string } } | undefined;
  // The default sender's domain comes from the public URL, known once the server listens.
  const connect = () => {
    if (open) return open;
    const host = options.defaultFromHost();
    // An IP address or a single label (127.0.0.1, localhost) makes no valid sender domain.
    const domain = /^(?=.*[a-z])[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host) ? host : 'localhost.localdomain';
    const from = parseMailFrom(options.mailFrom ?? `WedSync Hub <no-reply@${domain}>`);
    const { configuration, credentials } = smtpSettings(options.smtpUrl, from);
    // The operator's own relay, configured like the server's other settings: not an integration's
    // user-set destination, so OUTBOUND_ALLOW (which keeps users off internal hosts) does not apply.
    open = { transport: createTransport(configuration, credentials, { connect: (o, onConnect) => net.connect(o, onConnect) }), from };
    return open;
  };
  return {
    async send(message) {
      try {
        const { transport, from } = connect();
        const info = await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}) });
        if (info.rejected.length > 0) throw new Error('the SMTP server rejected the recipient');
      } catch (error) {
        throw smtpError(error);
      }
    },
    close() {
      open?.transport.close();
    },
  };
}

/**
 * Sign-in mail: through `smtp` when SMTP_URL is set; without it (development) the link is written
 * to the log at `warn`, so whoever runs the server can sign in.
 */
export function createSignInMailer(options: { smtp?: SmtpMailSender; logger: Logger }): SignInMailer {
  const { smtp, logger } = options;
  const minutesLeft = (mail: SignInMail) => Math.max(1, Math.round((mail.expiresAt - Date.now()) / 60_000));
  return {
    smtp: smtp !== undefined,
    async send(mail) {
      if (smtp) return smtp.send({ to: mail.to, ...composeSignInMail(mail, minutesLeft(mail)) });
      // NOTE: development only; the link is a credential for 15 minutes, printed so a server without SMTP can still be signed into.
      logger.warn({ email: mail.to, link: mail.link, validMinutes: minutesLeft(mail) }, `SMTP_URL is not set: sign-in link for ${mail.to} (not e-mailed): ${mail.link}`);
    },
    close() {
      smtp?.close();
    },
  };
}
