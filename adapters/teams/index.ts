import crypto from 'node:crypto';
import {
  AdapterError, parseAdapterConfig, requestJson,
  type AdapterDefinition, type AdapterInput, type MessagingAdapter, type MessagingChannel, type Recipient,
} from '../core/index.ts';
import { TeamsConfiguration, TeamsCredentials } from './config.ts';
import { composeCard } from './mappers.ts';
import { ownValue } from '../../schema/own-keys.ts';

export const SYSTEM = 'teams';

/**
 * Microsoft Teams through Workflows (Power Automate) webhook triggers, the successor of Office 365
 * connectors: an Adaptive Card POSTed to each recipient's flow URL, which answers 202. A webhook
 * cannot be read back, so a send whose outcome is unknown after a crash is posted again (at least
 * once, in that window only).
 */
export function createTeamsAdapter(input: AdapterInput): MessagingAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', TeamsConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', TeamsCredentials, input.credentials);
  const { runtime } = input;

  return {
    system: SYSTEM,
    category: 'communication',
    capabilities: ['messaging'],
    fields: {},
    channels: ['teams'],

    // A flow URL cannot be probed without posting to the channel; the URLs are checked when given.
    async testConnection() {},

    addressFor(recipient: Recipient, channel: MessagingChannel) {
      // The address is the recipient, not the URL: flow URLs are secrets and stay in the credentials.
      return channel === 'teams' && ownValue(credentials.webhookUrls, recipient.id) ? `recipient:${recipient.id}` : null;
    },

    async send(message, { idempotencyKey }) {
      const url = ownValue(credentials.webhookUrls, message.recipient.id);
      if (message.channel !== 'teams' || !url) throw new AdapterError('permanent', `no Teams flow for ${message.recipient.id}`);
      const res = await requestJson('Teams', runtime.fetch, { method: 'POST', url, body: composeCard(message, config.cardVersion) });
      const runId = res.headers.get('x-ms-workflow-run-id');
      return { providerId: runId ?? `teams-${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`, status: 'sent' };
    },
  };
}

export const teamsAdapter: AdapterDefinition = {
  system: SYSTEM,
  category: 'communication',
  capabilities: ['messaging'],
  description: 'Microsoft Teams: an Adaptive Card to each recipient\'s Workflows webhook.',
  configuration: TeamsConfiguration,
  create: createTeamsAdapter,
};
