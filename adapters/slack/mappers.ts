import type { OutboundMessage } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';

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

/**
 * Block Kit limits are in characters (header 150, section and fallback text 3000); UTF-16 units are
 * the safe measure of those. The escaped body is clipped without leaving half an entity (`&am`).
 */
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const clipEscaped = (s: string, max: number) => clipText(s, max).replace(/&(?:a|am|amp|l|lt|g|gt)?$/, '');

/** One send → the chat.postMessage arguments: Block Kit with a fallback `text` and a button to acknowledge. Pure. */
export function composePost(m: OutboundMessage, idempotencyKey: string): SlackPost {
  const urgent = m.priority === 'urgent';
  const title = `${urgent ? ':rotating_light: ' : ''}${m.subject || 'Message'}${m.weddingTitle ? ` — ${m.weddingTitle}` : ''}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clipText(title, HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clipEscaped(mrkdwnEscape(m.body), TEXT_MAX) } },
  ];
  if (m.ackUrl) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'I have seen this' }, url: m.ackUrl, style: 'primary', action_id: 'wedsync_ack' }] });
  }
  return {
    channel: m.address,
    text: clipText(`${urgent ? 'URGENT: ' : ''}${m.subject ? `${m.subject}: ` : ''}${m.body}`, TEXT_MAX),
    blocks,
    metadata: { event_type: METADATA_EVENT, event_payload: { key: idempotencyKey, wedding_id: m.weddingId, message_id: m.messageId, recipient_id: m.recipient.id } },
    unfurl_links: false,
    unfurl_media: false,
  };
}
