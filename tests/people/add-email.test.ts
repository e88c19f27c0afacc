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

/** Opens an add-address link as a browser with `cookie` (or none): the page it shows. */
async function open(link: string, cookie?: string): Promise<{ status: string; html: string; form: { token: string; csrf: string } | null; setCookie: string | undefined }> {
  const res = await fetch(link, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return { status: String(res.status), html, form: token && csrf ? { token, csrf } : null, setCookie: cookieOf(res) };
}

/** Presses *Add this address* on the page: the form POST, as the browser sends it. */
async function confirm(t: TestServer, cookie: string, form: { token: string; csrf: string }): Promise<{ status: number; html: string; setCookie: string | undefined }> {
  const res = await fetch(`${t.httpUrl}/api/auth/email-link/add`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, html: await res.text(), setCookie: cookieOf(res) };
}

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
    // The mail names no account: the address is not confirmed, and a name is whatever its owner typed.
    const words = mail.text.replace(mail.link, '');
    expect(words).toContain('add this e-mail address to your WedSync Hub account');
    expect(words).not.toContain('Ada');
    expect(smtp.received).toHaveLength(1);
    // Nothing changes until the link is opened.
    expect((await me(t, ada.cookie)).person.email).toBeNull();

    // Opened first by a mail scanner (no session): a page saying where to open it; nothing changes.
    const scanned = await open(mail.link);
    expect([scanned.status, scanned.form, scanned.setCookie]).toEqual(['403', null, undefined]);
    expect(scanned.html).toContain('Open this link where you asked for it');
    // Opened in her browser: a page naming the address asks first; opening it changes nothing.
    const page = await open(mail.link, ada.cookie);
    expect([page.status, page.setCookie]).toEqual(['200', undefined]);
    expect(page.html).toContain('<strong>ada@home.example</strong>');
    expect((await me(t, ada.cookie)).person.email).toBeNull();
    // A form post without her CSRF token (another site's form, a forged one) changes nothing.
    expect((await confirm(t, ada.cookie, { ...page.form!, csrf: 'forged' })).status).toBe(403);
    // As long as hers in characters but not in bytes: refused, not an error.
    expect((await confirm(t, ada.cookie, { ...page.form!, csrf: 'é'.repeat(page.form!.csrf.length) })).status).toBe(403);
    const wide = await addEmail(t, { ...ada, csrf: 'é'.repeat(ada.csrf.length) }, { email: 'x@home.example' });
    expect([wide.status, await errorCode(wide)]).toEqual([403, 'csrf_failed']);
    expect((await me(t, ada.cookie)).person.email).toBeNull();
    // She presses the button: the address is hers; no new session.
    const added = await confirm(t, ada.cookie, page.form!);
    expect([added.status, added.setCookie]).toEqual([200, undefined]);
    expect(added.html).toContain("is now your account's e-mail address");
    const after = await me(t, ada.cookie);
    expect(after.person).toMatchObject({ id: ada.id, email: 'ada@home.example', name: 'Ada' });
    expect(after.weddings.map((w) => [w.weddingId, w.role])).toEqual([['w1', 'couple']]);
    // Used once.
    expect((await open(mail.link, ada.cookie)).status).toBe('410');
    expect((await confirm(t, ada.cookie, page.form!)).status).toBe(410);

    // On another device: an ordinary sign-in link for the address signs in as Ada, not a new person.
    expect((await t.fetch('/api/auth/email-link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"ada@home.example"}' })).status).toBe(202);
    const signIn = await fetch((await linkIn(smtp, 'ada@home.example', 2)).link, { redirect: 'manual' });
    const onAnotherDevice = await me(t, `${SESSION_COOKIE}=${cookieOf(signIn)!}`);
    expect([onAnotherDevice.person.id, onAnotherDevice.weddings.map((w) => w.weddingId)]).toEqual([ada.id, ['w1']]);

    // Once she has one, asking again is refused.
    const again = await addEmail(t, ada, { email: 'other@home.example' });
    expect([again.status, await errorCode(again)]).toEqual([409, 'email_present']);
  });

  it('the link works only in a browser signed in as the person who asked, by a confirmation with its CSRF token: opened elsewhere (the address owner’s own click, a mail scanner, another account) it changes nothing and signs nobody in', async () => {
    const { t, smtp } = await smtpServer();
    const mallory = await nameOnly(t, 'Your planner');
    const other = await nameOnly(t, 'Someone else', 'w2');
    expect((await addEmail(t, mallory, { email: 'victim@home.example' })).status).toBe(202);
    expect((await addEmail(t, mallory, { email: 'victim@home.example' })).status).toBe(202);
    const [first, second] = [(await linkIn(smtp, 'victim@home.example', 1)).link, (await linkIn(smtp, 'victim@home.example', 2)).link];
    // The address's owner clicks (no session here), or another signed-in person does, or a scanner, twice.
    for (const [link, cookie] of [[first, undefined], [second, other.cookie], [first, undefined]] as const) {
      const opened = await open(link, cookie);
      expect([opened.status, opened.form, opened.setCookie]).toEqual(['403', null, undefined]);
    }
    // Nor can anyone else press the button with the link's token: only its asker's session and token do.
    const asker = await open(first, mallory.cookie);
    expect((await confirm(t, other.cookie, { token: asker.form!.token, csrf: other.csrf })).status).toBe(403);
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
    const page = await open((await linkIn(smtp, 'ben@home.example')).link, guest.cookie);
    const refused = await confirm(t, guest.cookie, page.form!);
    expect([refused.status, refused.setCookie]).toEqual([409, undefined]);
    expect(refused.html).toContain('belongs to another WedSync account');
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
    const [pageOne, pageTwo] = [await open(ones, one.cookie), await open(twos, two.cookie)];
    const [a, b] = await Promise.all([confirm(t, one.cookie, pageOne.form!), confirm(t, two.cookie, pageTwo.form!)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
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
