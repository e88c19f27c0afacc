import {
  AckResponse, DiscardResponse, EmergencyResponse, MessageChannelsResponse, MessageListResponse, NotificationSettings, PendingNotificationsResponse, SendResponse,
  type EmergencyBody, type NotificationMode, type UnifiedMessageBody,
} from '../../../sdk/index.ts';
import { apiRequest } from '../api/api-client.ts';
import type { Session } from '../session/token.ts';

/**
 * The communication bridge's API (docs/communications.md) as the app calls it: always with a Bearer
 * token for the open wedding, refreshed from the session cookie when signed in with an account
 * (a pasted token is used as it is), so no CSRF token is needed.
 */
export class MessagesClient {
  constructor(private readonly session: Session, private readonly weddingId: string) {}

  private async token(): Promise<string> {
    return this.session.refresh ? this.session.refresh() : this.session.token;
  }

  private path(rest: string): string {
    return `/api/weddings/${encodeURIComponent(this.weddingId)}/${rest}`;
  }

  async send(body: UnifiedMessageBody): Promise<SendResponse> {
    return apiRequest(this.path('messages'), { token: await this.token(), method: 'POST', body, schema: SendResponse });
  }

  /** Planners and admins: which channels a message of this wedding can go out on now. */
  async channels(signal?: AbortSignal): Promise<MessageChannelsResponse> {
    return apiRequest(this.path('messages/channels'), { token: await this.token(), schema: MessageChannelsResponse, signal });
  }

  /** Planners and admins: every message; a vendor or the couple: their inbox. Newest first. */
  async list(signal?: AbortSignal): Promise<MessageListResponse> {
    return apiRequest(this.path('messages'), { token: await this.token(), schema: MessageListResponse, signal });
  }

  /** Acknowledges for the caller (a vendor for itself, the couple for its couple contacts). */
  async acknowledge(messageId: string): Promise<AckResponse> {
    return apiRequest(this.path(`messages/${encodeURIComponent(messageId)}/ack`), { token: await this.token(), method: 'POST', body: {}, schema: AckResponse });
  }

  /** A vendor or the couple answers a message to them: sent to the planner who wrote it (every planner for an automatic one). */
  async reply(messageId: string, body: string): Promise<SendResponse> {
    return apiRequest(this.path(`messages/${encodeURIComponent(messageId)}/reply`), { token: await this.token(), method: 'POST', body: { body }, schema: SendResponse });
  }

  async emergency(body: EmergencyBody): Promise<EmergencyResponse> {
    return apiRequest(this.path('emergency'), { token: await this.token(), method: 'POST', body, schema: EmergencyResponse });
  }

  async pending(signal?: AbortSignal): Promise<PendingNotificationsResponse> {
    return apiRequest(this.path('notifications/pending'), { token: await this.token(), schema: PendingNotificationsResponse, signal });
  }

  async sendPending(id: string): Promise<SendResponse> {
    return apiRequest(this.path(`notifications/pending/${encodeURIComponent(id)}/send`), { token: await this.token(), method: 'POST', schema: SendResponse });
  }

  async discardPending(id: string): Promise<DiscardResponse> {
    return apiRequest(this.path(`notifications/pending/${encodeURIComponent(id)}/discard`), { token: await this.token(), method: 'POST', schema: DiscardResponse });
  }

  async settings(signal?: AbortSignal): Promise<NotificationSettings> {
    return apiRequest(this.path('notifications/settings'), { token: await this.token(), schema: NotificationSettings, signal });
  }

  async setMode(mode: NotificationMode): Promise<NotificationSettings> {
    return apiRequest(this.path('notifications/settings'), { token: await this.token(), method: 'PUT', body: { mode }, schema: NotificationSettings });
  }
}
