import type { OutboundMessage } from '../core/index.ts';

/** The metadata event type marking our messages, so a send can be found again after a crash. */
export const METADATA_EVENT = 'wedsync_message';

export interface SlackPost {
  channel: string;
  text: string;
  blocks: Record<string, unknown>[];
  metadata: { event_type: string; event_payload: Record<string, string> };
  unfurl_links: false;
  unfurl_media: false;
}

const mrkdwnEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One send → the chat.postMessage arguments: Block Kit with a fallback `text` and a button to acknowledge. Pure. */
export function composePost(m: OutboundMessage, idempotencyKey: string): SlackPost {
  const urgent = m.priority === 'urgent';
  const title = `${urgent ? ':rotating_light: ' : ''}${m.subject || 'Message'}${m.weddingTitle ? ` — ${m.weddingTitle}` : ''}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: mrkdwnEscape(m.body).slice(0, 3000) } },
  ];
  if (m.ackUrl) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'I have seen this' }, url: m.ackUrl, style: 'primary', action_id: 'wedsync_ack' }] });
  }
  return {
    channel: m.address,
    text: `${urgent ? 'URGENT: ' : ''}${m.subject ? `${m.subject}: ` : ''}${m.body}`.slice(0, 3000),
    blocks,
    metadata: { event_type: METADATA_EVENT, event_payload: { key: idempotencyKey, wedding_id: m.weddingId, message_id: m.messageId, recipient_id: m.recipient.id } },
    unfurl_links: false,
    unfurl_media: false,
  };
}
