import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { SqliteEmailLinkStore } from '../../server/people/email-link-store.ts';
import { parseMailFrom, smtpSettings } from '../../server/comms/sign-in-mail.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { createWedSyncServer } from '../../server/wedsync-server.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir, TEST_SECRET, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

type Me = { person: { id: string; email: string; name: string }; csrfToken: string; sessionId: string };

async function smtpServer(env: Record<string, string> = {}): Promise<{ t: TestServer; smtp: SmtpSandbox }> {
  const smtp = await new SmtpSandbox().start();
  registerTeardown(() => smtp.stop());
  const t = await startTestServer({ env: { SMTP_URL: `smtp://${smtp.host}:${smtp.port}?tls=none`, MAIL_FROM: 'WedSync Hub <hub@wedsync.example>', ...env } });
  return { t, smtp };
}

const requestLink = (t: TestServer, body: unknown) => t.fetch('/api/auth/email-link', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The one link in the only mail to `address`. */
async function linkIn(smtp: SmtpSandbox, address: string, count = 1): Promise<string> {
  const mails = await waitFor(() => (smtp.to(address).length >= count ? smtp.to(address) : null), `sign-in mail ${count} to ${address}`);
  const link = /(http:\/\/\S+\/api\/auth\/email-link\/callback\?token=\S+)/.exec(mails[count - 1]!.text)?.[1];
  expect(link).toBeDefined();
  return link!;
}

const cookieOf = (res: Response) => /wedsync_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('sign-in by e-mail link', () => {
  it('e-mails a single-use link that opens a session cookie, lands on the redirect and creates the person on first use', async () => {
    const { t, smtp } = await smtpServer();
    const res = await requestLink(t, { email: ' Ana@Bloom.example ', redirect: '/weddings/w1?tab=timeline' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ sent: true });
    // Nobody is created by asking: only by opening the link.
    expect(await t.server.people.findPersonByEmail('ana@bloom.example')).toBeNull();

    const link = await linkIn(smtp, 'ana@bloom.example');
    expect(link.startsWith(`${t.httpUrl}/api/auth/email-link/callback?token=`)).toBe(true);
    const mail = smtp.to('ana@bloom.example')[0]!;
    expect(mail.from).toBe('hub@wedsync.example');
    expect(mail.subject).toMatch(/sign-in link/i);
    expect(mail.html).toContain('Sign in');

    const opened = await fetch(link, { redirect: 'manual', headers: { 'user-agent': 'Test Browser/1.0' } });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/weddings/w1?tab=timeline');
    const setCookie = opened.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = cookieOf(opened)!;
    const me = await t.fetch('/api/me', { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as Me;
    expect(body.person).toMatchObject({ email: 'ana@bloom.example', name: 'ana' });
    expect((await t.server.sessions.get(body.sessionId))).toMatchObject({ method: 'email_link', userAgent: 'Test Browser/1.0' });

    // Used once: the second opening signs nobody in.
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/?signin_error=link_used');
    expect(cookieOf(again)).toBeUndefined();

    // A second link for the same address signs in as the same person, and the name they chose stays.
    const renamed = await t.fetch('/api/me', { method: 'PATCH', headers: { cookie: `${SESSION_COOKIE}=${cookie}`, [CSRF_HEADER]: body.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ana Lima' }) });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ id: body.person.id, name: 'Ana Lima' });
    await requestLink(t, { email: 'ana@bloom.example' });
    const second = await fetch(await linkIn(smtp, 'ana@bloom.example', 2), { redirect: 'manual' });
    expect(second.headers.get('location')).toBe('/');
    const me2 = (await (await t.fetch('/api/me', { headers: { cookie: `${SESSION_COOKIE}=${cookieOf(second)!}` } })).json()) as Me;
    expect(me2.person).toEqual({ ...body.person, name: 'Ana Lima' });
  });

  it('answers an address with an account and one without alike, and refuses expired, tampered and unknown links', async () => {
    const { t, smtp } = await smtpServer();
    await t.server.people.createPerson({ email: 'known@bloom.example', name: 'Known' });
    const known = await requestLink(t, { email: 'known@bloom.example' });
    const unknown = await requestLink(t, { email: 'nobody@bloom.example' });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await unknown.json()).toEqual(await known.json());

    const link = await linkIn(smtp, 'nobody@bloom.example');
    const token = new URL(link).searchParams.get('token')!;
    const tampered = `${t.httpUrl}/api/auth/email-link/callback?token=${encodeURIComponent(`${token.slice(0, -3)}AAA`)}`;
    for (const bad of [tampered, `${t.httpUrl}/api/auth/email-link/callback?token=nonsense`, `${t.httpUrl}/api/auth/email-link/callback`]) {
      const res = await fetch(bad, { redirect: 'manual' });
      expect({ bad, status: res.status, location: res.headers.get('location') }).toEqual({ bad, status: 302, location: '/?signin_error=link_invalid' });
    }
    // A tampered link does not use up the real one.
    expect((await fetch(link, { redirect: 'manual' })).headers.get('location')).toBe('/');

    // Past its 15 minutes (the stored expiry moved into the past), a link is refused.
    const knownLink = await linkIn(smtp, 'known@bloom.example');
    await queryServerDatabase(t.server, { sqlite: 'UPDATE email_link_tokens SET expires_at = ? WHERE used_at IS NULL', postgres: 'UPDATE email_link_tokens SET expires_at = $1 WHERE used_at IS NULL' }, [Date.now() - 1]);
    const expired = await fetch(knownLink, { redirect: 'manual' });
    expect(expired.headers.get('location')).toBe('/?signin_error=link_expired');
    expect(cookieOf(expired)).toBeUndefined();

    // Only the secret's hash is stored.
    const stored = (await queryServerDatabase<{ secret_hash: Buffer }>(t.server, { sqlite: 'SELECT secret_hash FROM email_link_tokens', postgres: 'SELECT secret_hash FROM email_link_tokens' })).map((r) => r.secret_hash);
    expect(stored.every((h) => h.length === 32)).toBe(true);
    expect(stored.some((h) => h.toString('base64url') === token.split('.')[1])).toBe(false);
  });

  it('refuses a bad address and redirects that leave the site, with 400', async () => {
    const t = await startTestServer();
    for (const body of [{ email: 'not-an-address' }, { email: 'a@b.example', redirect: '//evil.example/x' }, { email: 'a@b.example', redirect: '/\\evil.example' }, { email: 'a@b.example', redirect: 'https://evil.example' }, { email: 'a@b.example', extra: 1 }]) {
      const res = await requestLink(t, body);
      expect({ body, status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    expect(await (await t.fetch('/api/auth/providers')).json()).toEqual({ emailLink: true, oidc: [] });
  });

  it('with no SMTP configured, prints the link on the server console, and the printed link signs in', async () => {
    const lines: string[] = [];
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDir(), LOG_LEVEL: 'info' });
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const server = createWedSyncServer(config, { authSecret: TEST_SECRET, logger: createLogger(config, sink) });
    registerTeardown(() => server.close());
    const { httpUrl } = await server.listen();
    expect(lines.some((l) => l.includes('SMTP_URL is not set'))).toBe(true);
    const res = await fetch(`${httpUrl}/api/auth/email-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dev@local.example' }) });
    expect(res.status).toBe(202);
    const line = await waitFor(() => lines.find((l) => l.includes('sign-in link for dev@local.example')), 'the printed link');
    const printed = JSON.parse(line) as { link: string; level: number };
    expect(printed.level).toBe(40); // warn: seen at the default log level
    expect(printed.link.startsWith(`${httpUrl}/api/auth/email-link/callback?token=`)).toBe(true);
    const opened = await fetch(printed.link, { redirect: 'manual' });
    expect(opened.status).toBe(302);
    expect(cookieOf(opened)).toBeDefined();
  });

  it('limits link requests per address and per client, and link openings per client, with 429 and Retry-After', async () => {
    const t = await startTestServer({ env: { SIGNIN_LINKS_PER_ADDRESS_PER_HOUR: '3', SIGNIN_LINKS_PER_IP_PER_HOUR: '5', SIGNIN_CALLBACKS_PER_IP_PER_HOUR: '2' } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await requestLink(t, { email: 'ana@bloom.example' })).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await requestLink(t, { email: 'ANA@bloom.example' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // Another address from the same client: its own budget, until the client's (5 per hour) is spent.
    expect((await requestLink(t, { email: 'ben@bloom.example' })).status).toBe(429);

    const opened = [];
    for (let i = 0; i < 3; i++) opened.push((await fetch(`${t.httpUrl}/api/auth/email-link/callback?token=guess${i}`, { redirect: 'manual' })).status);
    expect(opened).toEqual([302, 302, 429]);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/wedsync_rate_limited_total\{limit="signin_address"\} [1-9]/);
    expect(metrics).toMatch(/wedsync_rate_limited_total\{limit="signin_callback"\} 1/);
  });

  it('logs in to the SMTP server with the credentials of SMTP_URL, and reads its TLS mode and sender', async () => {
    const smtp = await new SmtpSandbox({ users: { 'hub@bloom.example': 'p@ss:word' } }).start();
    registerTeardown(() => smtp.stop());
    const t = await startTestServer({ env: { SMTP_URL: `smtp://hub%40bloom.example:p%40ss%3Aword@${smtp.host}:${smtp.port}?tls=none` } });
    expect((await requestLink(t, { email: 'ana@bloom.example' })).status).toBe(202);
    await linkIn(smtp, 'ana@bloom.example');
    expect(smtp.received[0]).toMatchObject({ user: 'hub@bloom.example', from: 'no-reply@localhost.localdomain' });

    expect(smtpSettings('smtps://mail.example', { address: 'a@b.example' }).configuration).toMatchObject({ host: 'mail.example', port: 465, tls: 'implicit' });
    expect(smtpSettings('smtp://mail.example', { address: 'a@b.example' })).toMatchObject({ configuration: { port: 587, tls: 'starttls' }, credentials: {} });
    expect(parseMailFrom('"Bloom Planning" <hub@bloom.example>')).toEqual({ name: 'Bloom Planning', address: 'hub@bloom.example' });
    expect(() => parseMailFrom('not an address')).toThrow(RangeError);
  });

  it('answers 202 alike when the SMTP server is down, and the next request after it is back is mailed', async () => {
    const { t, smtp } = await smtpServer();
    smtp.down = true;
    const res = await requestLink(t, { email: 'ana@bloom.example' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ sent: true });
    await waitFor(async () => (await t.fetch('/healthz')).status === 200, 'the server to keep answering');
    smtp.down = false;
    expect((await requestLink(t, { email: 'ana@bloom.example' })).status).toBe(202);
    const link = await linkIn(smtp, 'ana@bloom.example');
    expect((await fetch(link, { redirect: 'manual' })).headers.get('location')).toBe('/');
  });

  it('a link works until its fifteenth minute and not after (store clock)', async () => {
    let now = 1_800_000_000_000;
    const db = openDatabase(tempDir(), { synchronous: 'normal' });
    registerTeardown(() => db.close());
    const links = new SqliteEmailLinkStore(db, () => now);
    const first = await links.issue({ email: 'Ana@Bloom.example', redirect: '/' });
    expect(first.expiresAt).toBe(now + 15 * 60_000);
    const second = await links.issue({ email: 'ana@bloom.example', redirect: '/x' });
    now += 15 * 60_000 - 1;
    expect(await links.redeem(first.token)).toEqual({ ok: true, email: 'ana@bloom.example', redirect: '/', personId: null });
    now += 1;
    expect(await links.redeem(second.token)).toEqual({ ok: false, code: 'link_expired' });
  });
});
