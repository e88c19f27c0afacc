import { Hono, type Context } from 'hono';
import { AckBody, EmergencyBody, MessageReplyBody, NotificationSettingsBody, UnifiedMessageBody, WeddingIdField } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CommsService } from '../comms/comms-service.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';
import type { AttemptLimiter } from './attempt-limits.ts';
import { readJson, validate } from './body.ts';
import { escapeHtml, plainPage } from './plain-page.ts';

const weddingParam = (c: Context) => validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');

/**
 * `/api/weddings/:weddingId/…`: the communication bridge's API (Bearer JWT). UnifiedMessage sends,
 * emergencies, delivery and acknowledgement status, in-app acknowledgements; the wedding's mode for
 * automatic messages and the pending ones a planner sends or discards.
 */
export function commsRoutes(tokens: TokenService, comms: CommsService, limits: { replies: AttemptLimiter }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { messages, notifications, replies } = comms;
  app.use('/:weddingId/messages', requireAuth(tokens));
  app.use('/:weddingId/messages/*', requireAuth(tokens));
  app.use('/:weddingId/emergency', requireAuth(tokens));
  app.use('/:weddingId/notifications/*', requireAuth(tokens));

  app.post('/:weddingId/messages', async (c) => c.json(await messages.send(c.get('principal'), weddingParam(c), await readJson(c, UnifiedMessageBody)), 201));
  app.get('/:weddingId/messages', async (c) => c.json(await messages.list(c.get('principal'), weddingParam(c))));
  app.get('/:weddingId/messages/channels', (c) => c.json(messages.channels(c.get('principal'), weddingParam(c))));
  app.get('/:weddingId/messages/:messageId', async (c) => c.json(await messages.status(c.get('principal'), weddingParam(c), c.req.param('messageId'))));
  app.post('/:weddingId/messages/:messageId/ack', async (c) => {
    const body = await readJson(c, AckBody);
    return c.json(await messages.acknowledgeAs(c.get('principal'), weddingParam(c), c.req.param('messageId'), body.recipientId));
  });
  app.post('/:weddingId/messages/:messageId/reply', async (c) => {
    const weddingId = weddingParam(c);
    // Each reply reaches planners on their channels: a person's replies on a wedding have a budget
    // of their own (REPLIES_PER_SENDER_PER_HOUR), counted before the body is read.
    await limits.replies.consume(c, `${weddingId}\n${c.get('principal').sub}`);
    return c.json(await replies.reply(c.get('principal'), weddingId, c.req.param('messageId'), await readJson(c, MessageReplyBody)), 201);
  });
  app.post('/:weddingId/emergency', async (c) => c.json(await messages.emergency(c.get('principal'), weddingParam(c), await readJson(c, EmergencyBody)), 201));

  app.get('/:weddingId/notifications/settings', async (c) => c.json(await notifications.settings(c.get('principal'), weddingParam(c))));
  app.put('/:weddingId/notifications/settings', async (c) => c.json(await notifications.setSettings(c.get('principal'), weddingParam(c), await readJson(c, NotificationSettingsBody))));
  app.get('/:weddingId/notifications/pending', async (c) => c.json(await notifications.listPending(c.get('principal'), weddingParam(c))));
  app.post('/:weddingId/notifications/pending/:pendingId/send', async (c) => c.json(await notifications.sendPending(c.get('principal'), weddingParam(c), c.req.param('pendingId')), 201));
  app.post('/:weddingId/notifications/pending/:pendingId/discard', async (c) => c.json(await notifications.discardPending(c.get('principal'), weddingParam(c), c.req.param('pendingId'))));
  return app;
}


/**
 * `/api/comms/ack/:token`: acknowledgement links, without a login (the signed token is the
 * permission). GET only shows what would be acknowledged, because mail scanners and link previews
 * open links; the acknowledgement is the POST of the page's button (or of an API client).
 */
export function ackLinkRoutes(comms: CommsService): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const wantsJson = (c: Context) => (c.req.header('accept') ?? '').includes('application/json');

  app.get('/ack/:token', async (c) => {
    const info = await comms.messages.describeLink(c.req.param('token'));
    if (wantsJson(c)) return c.json({ messageId: info.message.id, subject: info.message.subject, acknowledgedAt: info.acknowledgedAt });
    const m = info.message;
    const done = info.acknowledgedAt ? `<p>You confirmed this on ${escapeHtml(info.acknowledgedAt)}. Thank you.</p>` : `<form method="post"><button type="submit">I have seen this</button></form>`;
    return c.html(plainPage(m.subject || 'Message', `<h1>${escapeHtml(m.subject || 'Message')}</h1><p>For ${escapeHtml(info.recipientName)}${info.weddingTitle ? `, ${escapeHtml(info.weddingTitle)}` : ''}</p><blockquote>${escapeHtml(m.body)}</blockquote>${done}`));
  });

  app.post('/ack/:token', async (c) => {
    const ack = await comms.messages.acknowledgeLink(c.req.param('token'));
    if (wantsJson(c)) return c.json({ messageId: ack.messageId, recipientId: ack.recipientId, acknowledgedAt: ack.acknowledgedAt });
    return c.html(plainPage('Thank you', `<h1>Thank you</h1><p>We have let the planner know you have seen “${escapeHtml(ack.subject || 'the message')}”.</p>`));
  });
  return app;
}
