import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

type Me = { person: { id: string; email: string | null; name: string } };

async function smtpServer(env: Record<string, string> = {}): Promise<{ t: TestServer; smtp: SmtpSandbox }> {
  const smtp = await new SmtpSandbox().start();
  registerTeardown(() => smtp.stop());
  const t = await startTestServer({ env: { SMTP_URL: `smtp://${smtp.host}:${smtp.port}?tls=none`, MAIL_FROM: 'WedSync Hub <hub@wedsync.example>', ...env } });
  return { t, smtp };
}

/** A person with `email` (or, with null, one who joined a wedding with a name only) and a session of `method`. */
async function signedInPerson(t: TestServer, name: string, email: string | null, method = 'invitation'): Promise<{ id: string; cookie: string; csrf: string }> {
  const person = await t.server.people.createPerson({ name, email });
  await t.server.people.registerWedding({ id: 'w1', workspaceId: null }).catch(() => undefined);
  await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: person.id });
  const { session, cookieValue } = await t.server.sessions.create({ personId: person.id, method });
  return { id: person.id, cookie: `${SESSION_COOKIE}=${cookieValue}`, csrf: session.csrfToken };
}

/** A fresh sign-in link for `email`, as e-mailed (the first mail to it). */
async function signInLink(t: TestServer, smtp: SmtpSandbox, email: string): Promise<string> {
  const asked = await t.fetch('/api/auth/email-link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, redirect: '/w/w1/timeline' }) });
  expect(asked.status).toBe(202);
  const [mail] = await waitFor(() => (smtp.to(email).length ? smtp.to(email) : null), `the mail to ${email}`);
  return /(http:\/\/\S+\/api\/auth\/email-link\/callback\?token=\S+)/.exec(mail!.text)![1]!;
}

const cookieOf = (res: Response) => /wedsync_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
const me = async (t: TestServer, cookie: string) => ((await (await t.fetch('/api/me', { headers: { cookie } })).json()) as Me).person;

/** Opens `link` as a browser holding `cookie`: the answer, the page and its form, if any. */
async function open(link: string, cookie?: string) {
  const res = await fetch(link, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  return { status: res.status, location: res.headers.get('location'), html, form: token && csrf ? { token, csrf } : null, setCookie: cookieOf(res) };
}

/** Presses the page's *Sign in as …* button: the form POST as the browser sends it. */
async function press(t: TestServer, form: Record<string, string>, cookie?: string) {
  const res = await fetch(`${t.httpUrl}/api/auth/email-link/sign-in`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text(), setCookie: cookieOf(res) };
}

describe('a sign-in link opened in a browser signed in as someone with no way back in', () => {
  it('asks first, naming both; staying keeps the account and the link; the button signs in as the link’s address', async () => {
    const { t, smtp } = await smtpServer();
    // Ada joined the wedding with her name only on the family laptop; Ben opens his sign-in e-mail there.
    const ada = await signedInPerson(t, 'Ada', null);
    const link = await signInLink(t, smtp, 'ben@example.com');

    const page = await open(link, ada.cookie);
    expect(page.status).toBe(200);
    expect(page.setCookie).toBeUndefined();
    expect(page.html).toContain('Sign in as ben@example.com?');
    expect(page.html).toContain('This browser is signed in as <strong>Ada</strong>, an account with no e-mail address');
    expect(page.html).toContain('Stay signed in as Ada');
    expect(page.form?.csrf).toBe(ada.csrf);
    // Nothing changed and nothing was used up: Ada is still signed in, and the link asks again.
    expect((await me(t, ada.cookie)).id).toBe(ada.id);
    expect((await open(link, ada.cookie)).status).toBe(200);

    const signedIn = await press(t, page.form!, ada.cookie);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/w/w1/timeline');
    expect(signedIn.setCookie).toBeDefined();
    expect(await me(t, `${SESSION_COOKIE}=${signedIn.setCookie}`)).toMatchObject({ email: 'ben@example.com', name: 'ben' });
    // Used once: pressing again, or opening the link, says so.
    expect((await press(t, page.form!, ada.cookie)).location).toBe('/?signin_error=link_used');
    expect((await open(link, ada.cookie)).location).toBe('/?signin_error=link_used');
  });

  it('changes nothing for a press without the session’s CSRF token (another site’s form), nor for a link that adds an address', async () => {
    const { t, smtp } = await smtpServer();
    const ada = await signedInPerson(t, 'Ada', null);
    const link = await signInLink(t, smtp, 'ben@example.com');
    const { form } = await open(link, ada.cookie);
    for (const csrf of ['', 'x'.repeat(ada.csrf.length), 'é'.repeat(ada.csrf.length)]) {
      const refused = await press(t, { token: form!.token, csrf }, ada.cookie);
      expect(refused.status, csrf).toBe(403);
      expect(refused.setCookie).toBeUndefined();
    }
    // Another site's form, posted from there: the browser sends no SameSite=Lax cookie with it.
    const crossSite = await press(t, form!);
    expect(crossSite.status).toBe(403);
    expect(crossSite.setCookie).toBeUndefined();
    expect((await me(t, ada.cookie)).id).toBe(ada.id);
    expect((await press(t, form!, ada.cookie)).status).toBe(303); // the link still works

    // A link adding an address to Cleo never signs anyone in through this form.
    const cleo = await signedInPerson(t, 'Cleo', null);
    const asked = await t.fetch('/api/me/email', { method: 'POST', headers: { cookie: cleo.cookie, [CSRF_HEADER]: cleo.csrf, 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cleo@example.com' }) });
    expect(asked.status).toBe(202);
    const mail = await waitFor(() => smtp.to('cleo@example.com')[0], 'the confirmation mail');
    const token = decodeURIComponent(/token=(\S+)/.exec(mail.text)![1]!);
    const refused = await press(t, { token, csrf: cleo.csrf }, cleo.cookie);
    expect(refused.status).toBe(400);
    expect(refused.setCookie).toBeUndefined();
    expect((await me(t, cleo.cookie)).email).toBeNull();
  });

  it('signs in at once where nothing would be lost: no session, a person with an address, a passkey or a provider account, the demo’s account, or once Ada has added an address; /api/me says which accounts can sign in again and add an address', async () => {
    // Google sign-in is configured (its discovery runs only at a sign-in); Microsoft's is not.
    const { t, smtp } = await smtpServer({ OIDC_GOOGLE_CLIENT_ID: 'wedsync-google', OIDC_GOOGLE_CLIENT_SECRET: 'google-secret' });
    const withEmail = await signedInPerson(t, 'Dora', 'dora@example.com', 'email_link');
    const withPasskey = await signedInPerson(t, 'Eve', null);
    await queryServerDatabase(t.server, {
      sqlite: "INSERT INTO passkeys (id, person_id, public_key, counter, transports, device_type, backed_up, name, created_at) VALUES ('cred-eve', ?, x'00', 0, NULL, 'multiDevice', 1, 'Phone', 0)",
      postgres: "INSERT INTO passkeys (id, person_id, public_key, counter, transports, device_type, backed_up, name, created_at) VALUES ('cred-eve', $1, '\\x00', 0, NULL, 'multiDevice', true, 'Phone', 0)",
    }, [withPasskey.id]);
    const withProvider = await signedInPerson(t, 'Fay', null);
    await t.server.people.linkIdentity({ issuer: 'https://accounts.google.com', subject: 'fay-sub', personId: withProvider.id });
    // Hal's one provider account is Microsoft's, which this server no longer signs in with.
    const withRemovedProvider = await signedInPerson(t, 'Hal', null);
    await t.server.people.linkIdentity({ issuer: 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0', subject: 'hal-sub', personId: withRemovedProvider.id });
    const demo = await signedInPerson(t, 'Demo planner', null, 'demo');
    const ada = await signedInPerson(t, 'Ada', null);
    await t.server.people.setPersonEmail(ada.id, 'ada@example.com');
    // The app's sign-out asks first only where the browser is the one way back in (GET /api/me canSignInAgain).
    const stranded = await signedInPerson(t, 'Gus', null);
    const account = async (cookie: string) => (await (await t.fetch('/api/me', { headers: { cookie } })).json()) as { canSignInAgain: boolean; canAddEmail: boolean };
    const people = [withEmail, withPasskey, withProvider, withRemovedProvider, demo, ada, stranded];
    const answers = await Promise.all(people.map((p) => account(p.cookie)));
    expect(answers.map((a) => a.canSignInAgain)).toEqual([true, true, true, false, true, true, false]);
    // An address can be added by everyone without one, except on the demo's shared account (refused: demo_forbidden).
    expect(answers.map((a) => a.canAddEmail)).toEqual([false, true, true, true, false, false, true]);
    const browsers = [undefined, withEmail.cookie, withPasskey.cookie, withProvider.cookie, demo.cookie, ada.cookie];
    for (const [i, cookie] of browsers.entries()) {
      // One address each: the sign-in link budget per address is a few an hour.
      const opened = await open(await signInLink(t, smtp, `ben${i}@example.com`), cookie);
      expect(opened.status, String(i)).toBe(302);
      expect(opened.location).toBe('/w/w1/timeline');
      expect(await me(t, `${SESSION_COOKIE}=${opened.setCookie}`)).toMatchObject({ email: `ben${i}@example.com` });
    }
  });
});
