import type { Logger } from '../logger.ts';

/** One plain-text e-mail to one address. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends the server's own e-mails to people (invitations, "you were added to a workspace"); the
 * weddings' e-mail integrations (adapters/email) are for messages about a wedding, not these.
 * Rejects when the message could not be handed over.
 */
export interface MailSender {
  send(message: MailMessage): Promise<void>;
}

/**
 * The development sender, used while no SMTP transport is configured for the server: each e-mail
 * is written to the server log at `info`, so the link in it can be opened from the console, like
 * the sign-in links (docs/auth.md).
 */
export function consoleMailSender(logger: Logger): MailSender {
  return {
    async send(message) {
      logger.info({ mail: { to: message.to, subject: message.subject } }, `e-mail (no SMTP configured, printed instead) to ${message.to}: ${message.subject}\n${message.text}`);
    },
  };
}
