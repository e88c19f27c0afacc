import crypto from 'node:crypto';
import { SandboxServer, json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';
import type { AdaptiveCard } from './mappers.ts';

export interface PostedCard {
  workflowId: string;
  card: AdaptiveCard;
  runId: string;
}

/**
 * Local Teams Workflows webhook triggers: each `createWorkflow()` returns a trigger URL in the
 * shape Power Automate issues (`…/workflows/<id>/triggers/manual/paths/invoke?api-version=…&sig=…`).
 * A POST with the right `sig` and a `message` carrying an Adaptive Card attachment is accepted with
 * 202 and an `x-ms-workflow-run-id`; a wrong signature is 401, an unknown flow 404, and a body that
 * is not such a message 400.
 */
export class TeamsSandbox {
  readonly http: SandboxServer;
  readonly cards: PostedCard[] = [];
  private readonly workflows = new Map<string, string>();

  constructor() {
    this.http = new SandboxServer((req) => this.route(req));
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> { return this.http.stop(); }

  createWorkflow(): { id: string; url: string } {
    const id = crypto.randomBytes(16).toString('hex');
    const sig = crypto.randomBytes(24).toString('base64url');
    this.workflows.set(id, sig);
    return { id, url: `${this.http.url}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}` };
  }

  cardsFor(workflowId: string): PostedCard[] {
    return this.cards.filter((c) => c.workflowId === workflowId);
  }

  private route(req: SandboxRequest): SandboxResponse {
    const m = /^\/workflows\/([0-9a-f]+)\/triggers\/manual\/paths\/invoke$/.exec(req.path);
    if (!m || req.method !== 'POST') return json(404, { error: { code: 'WorkflowNotFound', message: 'The workflow could not be found.' } });
    const sig = this.workflows.get(m[1]!);
    if (!sig) return json(404, { error: { code: 'WorkflowNotFound', message: `The workflow '${m[1]}' could not be found.` } });
    const given = Buffer.from(req.query.get('sig') ?? '');
    if (given.length !== Buffer.from(sig).length || !crypto.timingSafeEqual(given, Buffer.from(sig))) {
      return json(401, { error: { code: 'DirectApiInvalidAuthorizationSignature', message: 'The provided authorization signature is not valid.' } });
    }
    let body: { type?: string; attachments?: { contentType?: string; content?: AdaptiveCard }[] };
    try {
      body = JSON.parse(req.rawBody);
    } catch {
      return json(400, { error: { code: 'InvalidRequestContent', message: 'The request content is not valid JSON.' } });
    }
    const card = body.attachments?.[0];
    if (body.type !== 'message' || card?.contentType !== 'application/vnd.microsoft.card.adaptive' || card.content?.type !== 'AdaptiveCard' || !Array.isArray(card.content.body) || !card.content.version) {
      return json(400, { error: { code: 'InvalidRequestContent', message: 'Expected a message with an Adaptive Card attachment.' } });
    }
    const runId = `08584${crypto.randomBytes(10).toString('hex')}`;
    this.cards.push({ workflowId: m[1]!, card: card.content, runId });
    return { status: 202, headers: { 'x-ms-workflow-run-id': runId, 'content-length': '0' }, body: '' };
  }
}
