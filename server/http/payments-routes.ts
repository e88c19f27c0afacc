import { Hono, type Context } from 'hono';
import { PaymentPlanBody, PaymentTransactionBody, WeddingIdField } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { PaymentCoordinator } from '../payments/payment-coordinator.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';

const weddingParam = (c: Context) => validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');

/** `/api/weddings/:weddingId/…`: the budget, payment plans, payments made outside a processor. */
export function paymentRoutes(tokens: TokenService, payments: PaymentCoordinator): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('/:weddingId/budget', requireAuth(tokens));
  app.use('/:weddingId/payments/*', requireAuth(tokens));

  app.get('/:weddingId/budget', async (c) => c.json(await payments.budget(c.get('principal'), weddingParam(c))));
  app.post('/:weddingId/payments/plan', async (c) => c.json({ payments: await payments.plan(c.get('principal'), weddingParam(c), await readJson(c, PaymentPlanBody)) }, 201));
  app.post('/:weddingId/payments/:paymentId/transactions', async (c) => {
    const body = await readJson(c, PaymentTransactionBody);
    return c.json({ payment: await payments.recordTransaction(c.get('principal'), weddingParam(c), c.req.param('paymentId'), body) });
  });
  return app;
}
