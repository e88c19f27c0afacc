import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { connectIntegration } from '../comms/helpers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: message channels that are not connected', () => {
  it('the compose form marks unconnected channels and links to connect them; once e-mail is connected it can be ticked, and the log says why a person got no e-mail', async () => {
    const t = await startPlannerServer(dist);
    const token = await t.token('planner', ['w1'], { sub: 'pat', name: 'Pat' });
    const seeder = await t.connect('w1', token);
    await seedWedding(seeder);
    seeder.doc.upsertVendor({ id: 'ven_cake', name: 'Cake Co', category: 'caterer', phone: '+447700900555' });
    await seeder.whenAcknowledged();

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await page.goto(t.signInUrl(token, '/w/w1/messages'));
    await waitSyncState(page, 'online');
    const compose = page.locator('form.compose');
    await waitFor(async () => (await compose.locator('.channel-off').count()) === 5, 'every channel marked not connected');
    for (const name of ['E-mail', 'SMS', 'WhatsApp', 'Slack', 'Microsoft Teams']) expect(await compose.getByLabel(name).isDisabled()).toBe(true);
    expect(await compose.getByRole('link', { name: /^Connect e-mail/ }).getAttribute('href')).toBe('/w/w1/integrations');

    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    await connectIntegration(t, token, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Ada & Grace', address: 'wedding@example.com' } } });
    await page.reload();
    await waitSyncState(page, 'online');
    await waitFor(async () => (await compose.locator('.channel-off').count()) === 4, 'e-mail connected');
    await compose.getByLabel('E-mail').check();
    await compose.getByLabel(/^Lens & Light/).check();
    await compose.getByLabel(/^Cake Co/).check();
    await compose.getByLabel('Message').fill('Doors at 13:30.');
    await compose.getByRole('button', { name: /^Send to (Cake Co and Lens & Light|Lens & Light and Cake Co)$/ }).click();

    const row = (id: string) => page.locator(`.message-log tr[data-recipient-id="${id}"] .deliveries`);
    await waitFor(async () => (await row('ven_cake').textContent())?.includes('E-mail: no address for them'), 'the cake maker’s e-mail marked');
    expect(await row('ven_photo').textContent()).toMatch(/E-mail: (waiting to send|sent|delivered)/);
    await waitFor(() => smtp.to('hello@lens.example')[0], 'the photographer’s e-mail');
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  }, 120_000);
});
