import crypto from 'node:crypto';
import { plainText, type OutboundMessage } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';

export interface ComposedEmail {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** Stable per send: a duplicate caused by a crash carries the same Message-ID and is recognised by mailbox providers. */
  messageId: string;
  headers: Record<string, string>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The Message-ID of one send, derived from its idempotency key. */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

/** One send → the e-mail (plain text and HTML, with a button to acknowledge). Pure. */
export function composeEmail(m: OutboundMessage, options: { idempotencyKey: string; domain: string }): ComposedEmail {
  const urgent = m.priority === 'urgent' || m.priority === 'high';
  const prefix = m.priority === 'urgent' ? 'URGENT: ' : '';
  // Our own limits, in UTF-16 units; nodemailer encodes the subject as RFC 2047 words of whole characters.
  const subject = clipText(`${prefix}${m.subject || clipText(m.body.split('\n')[0]!, 80)}${m.weddingTitle ? ` — ${m.weddingTitle}` : ''}`, 250);
  const paragraphs = m.body.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('\n');
  const ack = m.ackUrl
    ? `<p><a href="${escapeHtml(m.ackUrl)}" style="display:inline-block;padding:10px 18px;background:#7a3e6b;color:#fff;border-radius:6px;text-decoration:none">I have seen this</a></p>`
    : '';
  return {
    to: { name: m.recipient.name, address: m.address },
    subject,
    text: plainText(m),
    html: `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">\n${paragraphs}\n${ack}\n<p style="color:#777;font-size:12px">Sent by WedSync Hub for ${escapeHtml(m.weddingTitle || m.weddingId)}.</p>\n</body></html>`,
    messageId: messageIdFor(options.idempotencyKey, options.domain),
    headers: {
      'X-WedSync-Wedding': m.weddingId,
      'X-WedSync-Message': m.messageId,
      ...(urgent ? { 'X-Priority': '1 (Highest)', Importance: 'high' } : {}),
    },
  };
}
