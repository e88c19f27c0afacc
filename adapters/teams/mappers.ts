import type { OutboundMessage } from '../core/index.ts';

/** The body a Workflows webhook trigger takes: a `message` with one Adaptive Card attachment. */
export interface TeamsWorkflowPayload {
  type: 'message';
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }[];
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: string;
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  msteams?: { width: 'Full' };
}

const PRIORITY_LABEL = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' } as const;

/** One send → the Workflows payload with its Adaptive Card (an Action.OpenUrl to acknowledge). Pure. */
export function composeCard(m: OutboundMessage, version: string): TeamsWorkflowPayload {
  const urgent = m.priority === 'urgent';
  const content: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version,
    msteams: { width: 'Full' },
    body: [
      { type: 'TextBlock', text: `${urgent ? '⚠️ ' : ''}${m.subject || 'Message'}`, weight: 'Bolder', size: 'Medium', wrap: true, ...(urgent ? { color: 'Attention' } : {}) },
      { type: 'TextBlock', text: m.body, wrap: true },
      { type: 'FactSet', facts: [{ title: 'Wedding', value: m.weddingTitle || m.weddingId }, { title: 'Priority', value: PRIORITY_LABEL[m.priority] }] },
    ],
    ...(m.ackUrl ? { actions: [{ type: 'Action.OpenUrl', title: 'I have seen this', url: m.ackUrl }] } : {}),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}
