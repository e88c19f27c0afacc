import { z } from 'zod';
import { CHANNELS, Delivery, EntityId, MESSAGE_PRIORITIES, Message, Task } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

/**
 * The brief's UnifiedMessage, as `POST /api/weddings/:id/messages` takes it: one message to people
 * of the wedding (vendor and contact ids, `*` for every vendor not cancelled, inquiries included:
 * the planner chose to write, or `role:<contact role>` for every contact with that role, the people
 * who joined the wedding with it included), delivered on each
 * recipient's preferred channels through the connected integrations, and in-app.
 */
export const UnifiedMessageBody = z.object({
  recipientIds: z.array(z.union([EntityId, z.literal('*')])).min(1).max(500),
  subject: z.string().max(200).default(''),
  body: VisibleText(10_000),
  /** @default normal */
  priority: z.enum(MESSAGE_PRIORITIES).default('normal'),
  /** The brief's messageType, e.g. `update`, `timeline.change`, `payment.reminder`. @default update */
  type: z.string().regex(/^[a-z0-9_.-]{1,64}$/).default('update'),
  /** Restrict to these channels (each recipient's preference order still applies). @default each recipient's preferred channels */
  channels: z.array(z.enum(CHANNELS)).min(1).optional(),
  /** Send on every channel a recipient has at once, instead of the first and then the next. @default true for urgent messages */
  broadcast: z.boolean().optional(),
  /** @default false */
  requiresAck: z.boolean().default(false),
  /** Seconds without an acknowledgement before the next channel is tried. @default server setting (ACK_ESCALATE_AFTER_S) */
  escalateAfterSeconds: z.number().int().min(1).max(7 * 86_400).optional(),
}).strict();
export type UnifiedMessageBody = z.infer<typeof UnifiedMessageBody>;

export const EMERGENCY_KINDS = ['weather', 'venue_change', 'vendor_cancellation', 'medical', 'other'] as const;
export const EMERGENCY_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** `POST /api/weddings/:id/emergency`. */
export const EmergencyBody = z.object({
  kind: z.enum(EMERGENCY_KINDS),
  message: VisibleText(5000),
  severity: z.enum(EMERGENCY_SEVERITIES),
  /** A short title; defaults to one made from the kind. */
  subject: z.string().max(200).optional(),
  /** For `vendor_cancellation`: the vendor who cancelled. */
  vendorId: EntityId.optional(),
  /** Limit the alert to these vendors (e.g. only the outdoor ones for weather). @default every vendor the kind affects */
  affectedVendorIds: z.array(EntityId).max(500).optional(),
  /** Also alert the couple, planner and coordinators. @default true */
  includeContacts: z.boolean().default(true),
  /** @default server setting (EMERGENCY_ESCALATE_AFTER_S) */
  escalateAfterSeconds: z.number().int().min(1).max(86_400).optional(),
}).strict().refine((b) => b.kind !== 'vendor_cancellation' || b.vendorId, { message: 'a vendor cancellation names the vendorId who cancelled', path: ['vendorId'] });
export type EmergencyBody = z.infer<typeof EmergencyBody>;

export const RecipientDeliveries = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['vendor', 'contact']),
  acknowledgedAt: z.string().nullable(),
  /** The escalation level reached (0: first wave). */
  level: z.number().int(),
  deliveries: z.array(Delivery),
  /**
   * Only on entries for people the message did not reach (they are not among its `recipientIds`):
   * why. Today: a message to their role left out someone whose contact a planner removed.
   */
  notReachedReason: z.string().optional(),
});
export type RecipientDeliveries = z.infer<typeof RecipientDeliveries>;

export const SendResponse = z.object({
  message: Message,
  recipients: z.array(RecipientDeliveries),
  /** Recipient ids that are neither a vendor nor a contact of the wedding. */
  unknownRecipients: z.array(z.string()),
});
export type SendResponse = z.infer<typeof SendResponse>;

export const EmergencyResponse = SendResponse.extend({
  kind: z.enum(EMERGENCY_KINDS),
  severity: z.enum(EMERGENCY_SEVERITIES),
  /** For a vendor cancellation: the replacement task opened in the document. */
  task: Task.nullable(),
});
export type EmergencyResponse = z.infer<typeof EmergencyResponse>;

export const MessageStatusResponse = z.object({
  message: Message,
  recipients: z.array(RecipientDeliveries),
  /** Recipients who have not acknowledged (when an acknowledgement is asked). */
  waitingFor: z.array(z.string()),
  /** When the next escalation check is due, if any. */
  nextEscalationAt: z.string().nullable(),
  /** Recipients every channel has been tried for without an acknowledgement. */
  unreachable: z.array(z.string()),
});
export type MessageStatusResponse = z.infer<typeof MessageStatusResponse>;

/**
 * `GET /api/weddings/:id/messages`: newest first. Planners and admins get every message with every
 * recipient; a vendor or the couple only the messages addressed to them, each narrowed to their own
 * recipient entries, sends and acknowledgements (their inbox).
 */
export const MessageListResponse = z.object({
  messages: z.array(z.object({ message: Message, recipients: z.array(RecipientDeliveries) })),
});
export type MessageListResponse = z.infer<typeof MessageListResponse>;

/** `POST /api/weddings/:id/messages/:messageId/ack`: a vendor acknowledges for itself; planners may for anyone. */
export const AckBody = z.object({ recipientId: EntityId.optional() }).strict();

/** The `type` of a vendor's or the couple's reply to a message (server/comms/message-replies.ts). */
export const REPLY_MESSAGE_TYPE = 'reply';
/** The `senderId` of what the server writes itself: reminders, notices, escalations, alerts. */
export const AUTOMATIC_SENDER_ID = 'wedsync';

/** `POST /api/weddings/:id/messages/:messageId/reply`: a vendor's or the couple's answer to a message to them. */
export const MessageReplyBody = z.object({ body: VisibleText(4000) }).strict();
export type MessageReplyBody = z.infer<typeof MessageReplyBody>;
export const AckResponse = z.object({ messageId: z.string(), recipientId: z.string(), acknowledgedAt: z.string() });
export type AckResponse = z.infer<typeof AckResponse>;

/**
 * What a wedding does with automatic messages (cascades, payment notices and reminders):
 * `off`: none are composed; `ask`: each waits, pending, until a planner sends or discards it;
 * `automatic`: each is sent once its batch's quiet period is over. @default ask
 */
export const NOTIFICATION_MODES = ['off', 'ask', 'automatic'] as const;
export type NotificationMode = (typeof NOTIFICATION_MODES)[number];

/** `PUT /api/weddings/:id/notifications/settings`. */
export const NotificationSettingsBody = z.object({ mode: z.enum(NOTIFICATION_MODES) }).strict();
export type NotificationSettingsBody = z.infer<typeof NotificationSettingsBody>;

export const NotificationSettings = z.object({
  mode: z.enum(NOTIFICATION_MODES),
  /** The server's quiet period (NOTIFY_QUIET_MINUTES): changes are gathered until none came for this long. */
  quietPeriodMinutes: z.number(),
  /** …but a batch is composed at most this long after its first change (NOTIFY_MAX_DELAY_MINUTES). */
  maxDelayMinutes: z.number(),
  /** Who last changed the setting, and when (null: never changed, the default applies). */
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type NotificationSettings = z.infer<typeof NotificationSettings>;

export const PENDING_STATUSES = ['pending', 'sent', 'discarded'] as const;

/** An automatic message waiting for a planner (a wedding in `ask` mode). */
export const PendingNotification = z.object({
  id: z.string(),
  status: z.enum(PENDING_STATUSES),
  /** When it was composed (ISO date-time). */
  createdAt: z.string(),
  subject: z.string(),
  body: z.string(),
  type: z.string(),
  priority: z.enum(MESSAGE_PRIORITIES),
  /** Why it was composed and why these people get it. */
  reason: z.string(),
  recipients: z.array(z.object({ id: z.string(), name: z.string(), kind: z.enum(['vendor', 'contact']) })),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  /** The message written to the wedding's log once sent. */
  messageId: z.string().nullable(),
});
export type PendingNotification = z.infer<typeof PendingNotification>;

/** `GET /api/weddings/:id/notifications/pending`: oldest first. */
export const PendingNotificationsResponse = z.object({ pending: z.array(PendingNotification) });
export type PendingNotificationsResponse = z.infer<typeof PendingNotificationsResponse>;

export const DiscardResponse = z.object({ pending: PendingNotification });
export type DiscardResponse = z.infer<typeof DiscardResponse>;

/**
 * `GET /api/weddings/:id/messages/channels`: which channels a message of this wedding can go out on
 * now. `connected`: an active messaging integration of the wedding offers the channel (in-app always
 * is); `vendorOnly`: every such integration is a vendor's own (it reaches only that vendor). A channel
 * asked for that is not connected is recorded per recipient as `skipped` ("not connected").
 */
export const MessageChannel = z.object({
  channel: z.enum(CHANNELS),
  connected: z.boolean(),
  vendorOnly: z.boolean(),
  /** The systems that offer it (`email`, `twilio`, `slack`, `teams`), each once. */
  systems: z.array(z.string()),
});
export type MessageChannel = z.infer<typeof MessageChannel>;
export const MessageChannelsResponse = z.object({ channels: z.array(MessageChannel) });
export type MessageChannelsResponse = z.infer<typeof MessageChannelsResponse>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const COMMS_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/weddings/{weddingId}/messages', summary: 'Send a UnifiedMessage: in-app and on each recipient\'s preferred channels', auth: 'bearer', body: UnifiedMessageBody, responses: { 201: SendResponse, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/messages', summary: 'The wedding\'s messages, newest first: all of them for planners and admins, a vendor\'s or the couple\'s own inbox for them', auth: 'bearer', responses: { 200: MessageListResponse, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/messages/channels', summary: 'Which channels are connected for this wedding (planners and admins): the compose form offers these', auth: 'bearer', responses: { 200: MessageChannelsResponse, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/messages/{messageId}', summary: 'A message with every send, acknowledgement and the escalation state (a vendor or the couple: only a message to them, with their own sends)', auth: 'bearer', responses: { 200: MessageStatusResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/messages/{messageId}/ack', summary: 'Acknowledge a message (vendors for themselves, the couple for its couple contacts, planners for anyone)', auth: 'bearer', body: AckBody, responses: { 200: AckResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/messages/{messageId}/reply', summary: 'Reply to a message (vendors and the couple, to a message to them): sent to the planner who wrote it, or every planner of the wedding for an automatic one, on their channels', auth: 'bearer', body: MessageReplyBody, responses: { 201: SendResponse, ...errors, 429: ErrorBody } },
  { method: 'post', path: '/api/weddings/{weddingId}/emergency', summary: 'Emergency broadcast with acknowledgement tracking and escalation', auth: 'bearer', body: EmergencyBody, responses: { 201: EmergencyResponse, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/notifications/settings', summary: 'What the wedding does with automatic messages (off, ask, automatic) and the quiet period', auth: 'bearer', responses: { 200: NotificationSettings, ...errors } },
  { method: 'put', path: '/api/weddings/{weddingId}/notifications/settings', summary: 'Change what the wedding does with automatic messages (planners and admins)', auth: 'bearer', body: NotificationSettingsBody, responses: { 200: NotificationSettings, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/notifications/pending', summary: 'Automatic messages waiting for a planner to send or discard them', auth: 'bearer', responses: { 200: PendingNotificationsResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/notifications/pending/{pendingId}/send', summary: 'Send a pending automatic message (written to the log with its reason)', auth: 'bearer', responses: { 201: SendResponse, 409: ErrorBody, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/notifications/pending/{pendingId}/discard', summary: 'Discard a pending automatic message', auth: 'bearer', responses: { 200: DiscardResponse, 409: ErrorBody, ...errors } },
  { method: 'get', path: '/api/comms/ack/{token}', summary: 'An acknowledgement link: shows the message (HTML, or JSON with Accept: application/json); changes nothing', auth: 'none', responses: { 200: null, 404: ErrorBody } },
  { method: 'post', path: '/api/comms/ack/{token}', summary: 'Confirms an acknowledgement link (the signed token is the permission)', auth: 'none', responses: { 200: AckResponse, 404: ErrorBody } },
];
