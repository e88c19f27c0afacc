import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

type Me = { person: { id: string; email: string | null; name: string }; csrfToken: string; weddings: { weddingId: string; role: string }[] };

async function smtpServer(env: Record<string, string> = {}): Promise<{ t: TestServer; smtp: SmtpSandbox }> {
  const smtp = await new SmtpSandbox().start();
  registerTeardown(() => smtp.stop());
  const t = await startTestServer({ env: { SMTP_URL: `smtp://${smtp.host}:${smtp.port}?tls=none`, MAIL_FROM: 'WedSync Hub <hub@wedsync.example>', ...env } });
  return { t, smtp };
}

/** A person who joined a wedding with a name only, and the cookie of their session, as the share-link flow leaves them. */
async function nameOnly(t: TestServer, name: string, weddingId = 'w1'): Promise<{ id: string; cookie: string; csrf: string }> {
  const person = await t.server.people.createPerson({ name });
  await t.server.people.registerWedding({ id: weddingId, workspaceId: null }).catch(() => undefined);
  await t.server.people.addParticipant({ weddingId, role: 'couple', personId: person.id });
  const { session, cookieValue } = await t.server.sessions.create({ personId: person.id, method: 'invitation' });
  return { id: person.id, cookie: `${SESSION_COOKIE}=${cookieValue}`, csrf: session.csrfToken };
}

const me = async (t: TestServer, cookie: string) => (await (await t.fetch('/api/me', { headers: { cookie } })).json()) as Me;
const addEmail = (t: TestServer, who: { cookie: string; csrf: string }, body: unknown, csrf = true) => t.fetch('/api/me/email', {
  method: 'POST', headers: { cookie: who.cookie, 'content-type': 'application/json', ...(csrf ? { [CSRF_HEADER]: who.csrf } : {}) }, body: JSON.stringify(body),
});
const errorCode = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

async function linkIn(smtp: SmtpSandbox, address: string, count = 1): Promise<{ link: string; subject: string; text: string }> {
  const mails = await waitFor(() => (smtp.to(address).length >= count ? smtp.to(address) : null), `mail ${count} to ${address}`);
  const mail = mails[count - 1]!;
  const link = /(http:\/\/\S+\/api\/auth\/email-link\/callback\?token=\S+)/.exec(mail.text)?.[1];
  expect(link).toBeDefined();
  return { link: link!, subject: mail.subject, text: mail.text };
}

const cookieOf = (res: Response) => /wedsync_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('a person who joined with a name only adds an e-mail address', () => {
  it('asks, confirms by the e-mailed link in her browser, and is then the same person by that address: same weddings, signs in by e-mail on another device', async () => {
    const { t, smtp } = await smtpServer();
    const ada = await nameOnly(t, 'Ada');

    // Refused, typed, nothing sent: no CSRF token, a malformed address, no session.
    expect([(await addEmail(t, ada, { email: 'ada@home.example' }, false)).status]).toEqual([403]);
    const malformed = await addEmail(t, ada, { email: 'not an address' });
    expect([malformed.status, await errorCode(malformed)]).toEqual([400, 'validation_failed']);
    expect((await t.fetch('/api/me/email', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@home.example"}' })).status).toBe(401);

    const asked = await addEmail(t, ada, { email: ' Ada@Home.example ' });
    expect([asked.status, await asked.json()]).toEqual([202, { sent: true }]);
    const mail = await linkIn(smtp, 'ada@home.example');
    expect(mail.subject).toBe('Confirm your e-mail address for WedSync Hub');
    expect(mail.text).toContain('add this e-mail address to your WedSync Hub account');
    // The mail names no account: the address is not confirmed, and a name is whatever its owner typed.
    expect(mail.text).not.toContain('Ada');
    expect(smtp.received).toHaveLength(1);
    // Nothing changes until the link is opened.
    expect((await me(t, ada.cookie)).person.email).toBeNull();

    // Opened first by a mail scanner (no session): nothing changes and the link still works.
    expect((await fetch(mail.link, { redirect: 'manual' })).headers.get('location')).toBe('/?signin_error=email_other_browser');
    // Opened in her browser (her session's cookie goes with the click): the address is hers, no new session.
    const opened = await fetch(mail.link, { redirect: 'manual', headers: { cookie: ada.cookie } });
    expect([opened.status, opened.headers.get('location'), cookieOf(opened)]).toEqual([302, '/', undefined]);
    const after = await me(t, ada.cookie);
    expect(after.person).toMatchObject({ id: ada.id, email: 'ada@home.example', name: 'Ada' });
    expect(after.weddings.map((w) => [w.weddingId, w.role])).toEqual([['w1', 'couple']]);
    // Used once.
    expect((await fetch(mail.link, { redirect: 'manual', headers: { cookie: ada.cookie } })).headers.get('location')).toBe('/?signin_error=link_used');

    // On another device: an ordinary sign-in link for the address signs in as Ada, not a new person.
    expect((await t.fetch('/api/auth/email-link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@home.example"}' })).status).toBe(202);
    const signIn = await fetch((await linkIn(smtp, 'ada@home.example', 2)).link, { redirect: 'manual' });
    const onAnotherDevice = await me(t, `${SESSION_COOKIE}=${cookieOf(signIn)!}`);
    expect([onAnotherDevice.person.id, onAnotherDevice.weddings.map((w) => w.weddingId)]).toEqual([ada.id, ['w1']]);

    // Once she has one, asking again is refused.
    const again = await addEmail(t, ada, { email: 'other@home.example' });
    expect([again.status, await errorCode(again)]).toEqual([409, 'email_present']);
  });

  it('the link works only in a browser signed in as the person who asked: opened elsewhere (the address owner’s own click, a mail scanner, another account) it changes nothing and signs nobody in', async () => {
    const { t, smtp } = await smtpServer();
    const mallory = await nameOnly(t, 'Your planner');
    const other = await nameOnly(t, 'Someone else', 'w2');
    expect((await addEmail(t, mallory, { email: 'victim@home.example' })).status).toBe(202);
    expect((await addEmail(t, mallory, { email: 'victim@home.example' })).status).toBe(202);
    const [first, second] = [(await linkIn(smtp, 'victim@home.example', 1)).link, (await linkIn(smtp, 'victim@home.example', 2)).link];
    // The address's owner clicks (no session here), or another signed-in person does, or a scanner, twice.
    for (const [link, headers] of [[first, {}], [second, { cookie: other.cookie }], [first, {}]] as const) {
      const opened = await fetch(link, { redirect: 'manual', headers });
      expect([opened.status, opened.headers.get('location'), cookieOf(opened)]).toEqual([302, '/?signin_error=email_other_browser', undefined]);
    }
    expect([(await me(t, mallory.cookie)).person.email, (await me(t, other.cookie)).person.email]).toEqual([null, null]);
    expect(await t.server.people.findPersonByEmail('victim@home.example')).toBeNull();
    // The owner signs in with their address later: a person of their own, with none of the asker's weddings.
    await t.fetch('/api/auth/email-link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"victim@home.example"}' });
    const own = await fetch((await linkIn(smtp, 'victim@home.example', 3)).link, { redirect: 'manual' });
    const victim = await me(t, `${SESSION_COOKIE}=${cookieOf(own)!}`);
    expect([victim.person.id === mallory.id, victim.weddings]).toEqual([false, []]);
  });

  it('an address another account has is never taken over: the answer says nothing, the link changes nothing and signs nobody in', async () => {
    const { t, smtp } = await smtpServer();
    await t.server.people.createPerson({ email: 'ben@home.example', name: 'Ben' });
    const ben = await t.server.people.findPersonByEmail('ben@home.example');
    const guest = await nameOnly(t, 'Guest');
    const asked = await addEmail(t, guest, { email: 'ben@home.example' });
    expect(asked.status).toBe(202);
    const opened = await fetch((await linkIn(smtp, 'ben@home.example')).link, { redirect: 'manual', headers: { cookie: guest.cookie } });
    expect([opened.status, opened.headers.get('location'), cookieOf(opened)]).toEqual([302, '/?signin_error=email_taken', undefined]);
    expect((await me(t, guest.cookie)).person.email).toBeNull();
    expect(await t.server.people.findPersonByEmail('ben@home.example')).toEqual(ben);
  });

  it('two name-only people racing for one new address: the first link opened wins, the other is told it is taken', async () => {
    const { t, smtp } = await smtpServer();
    const one = await nameOnly(t, 'One');
    const two = await nameOnly(t, 'Two');
    // One at a time, so which link is whose is known; then each opens theirs in their own browser at once.
    expect((await addEmail(t, one, { email: 'shared@home.example' })).status).toBe(202);
    const ones = (await linkIn(smtp, 'shared@home.example', 1)).link;
    expect((await addEmail(t, two, { email: 'shared@home.example' })).status).toBe(202);
    const twos = (await linkIn(smtp, 'shared@home.example', 2)).link;
    const [a, b] = await Promise.all([fetch(ones, { redirect: 'manual', headers: { cookie: one.cookie } }), fetch(twos, { redirect: 'manual', headers: { cookie: two.cookie } })]);
    const locations = [a.headers.get('location'), b.headers.get('location')].sort();
    expect(locations).toEqual(['/', '/?signin_error=email_taken']);
    const emails = [(await me(t, one.cookie)).person.email, (await me(t, two.cookie)).person.email];
    expect(emails.filter((e) => e === 'shared@home.example')).toHaveLength(1);
    expect(emails.filter((e) => e === null)).toHaveLength(1);
  });

  it('counts against the sign-in link budgets: past them 429 with nothing sent', async () => {
    const { t, smtp } = await smtpServer({ SIGNIN_LINKS_PER_ADDRESS_PER_HOUR: '2' });
    const guest = await nameOnly(t, 'Guest');
    expect((await addEmail(t, guest, { email: 'g@home.example' })).status).toBe(202);
    expect((await addEmail(t, guest, { email: 'g@home.example' })).status).toBe(202);
    const over = await addEmail(t, guest, { email: 'g@home.example' });
    expect([over.status, await errorCode(over)]).toEqual([429, 'rate_limited']);
    await waitFor(() => smtp.to('g@home.example').length === 2, 'the two links sent');
    expect(smtp.to('g@home.example')).toHaveLength(2);
  });
});
