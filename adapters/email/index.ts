import {
  AdapterError, parseAdapterConfig,
  type AdapterDefinition, type AdapterInput, type MessagingAdapter, type MessagingChannel, type Recipient,
} from '../core/index.ts';
import { createTransport, smtpError } from './client.ts';
import { EmailConfiguration, EmailCredentials } from './config.ts';
import { composeEmail } from './mappers.ts';

export const SYSTEM = 'email';

/**
 * E-mail over SMTP (nodemailer, pooled connections). Each send carries a Message-ID derived from its
 * idempotency key. SMTP has no way to ask a server what it already accepted, so the one window
 * where a send can repeat is a crash between the server's `250` and our record of it (a few
 * microseconds); the repeat then has the same Message-ID and mailbox providers fold it into one.
 */
export function createEmailAdapter(input: AdapterInput): MessagingAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', EmailConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', EmailCredentials, input.credentials);
  const transport = createTransport(config, credentials, input.runtime.egress);
  const domain = config.from.address.split('@')[1]!;
  const from = config.from.name ? { name: config.from.name, address: config.from.address } : config.from.address;

  return {
    system: SYSTEM,
    category: 'communication',
    capabilities: ['messaging'],
    fields: {},
    channels: ['email'],

    async testConnection() {
      try {
        await transport.verify();
      } catch (error) {
        throw smtpError(error);
      }
    },

    addressFor(recipient: Recipient, channel: MessagingChannel) {
      return channel === 'email' && recipient.email ? recipient.email : null;
    },

    async send(message, { idempotencyKey }) {
      if (message.channel !== 'email') throw new AdapterError('unsupported', `the email integration does not send ${message.channel}`);
      const mail = composeEmail(message, { idempotencyKey, domain });
      try {
        const info = await transport.sendMail({
          from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId, headers: mail.headers,
          ...(config.replyTo ? { replyTo: config.replyTo } : {}),
        });
        if (info.rejected.length > 0) throw new AdapterError('permanent', `the SMTP server rejected ${message.address}`);
        return { providerId: info.messageId || mail.messageId, status: 'sent' };
      } catch (error) {
        throw smtpError(error);
      }
    },

    async deactivate() {
      transport.close();
    },
  };
}

export const emailAdapter: AdapterDefinition = {
  system: SYSTEM,
  category: 'communication',
  capabilities: ['messaging'],
  description: 'E-mail through your SMTP server (nodemailer), with a link to acknowledge.',
  configuration: EmailConfiguration,
  create: createEmailAdapter,
};
