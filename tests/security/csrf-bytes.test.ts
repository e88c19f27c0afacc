import { describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { signedIn } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';

/**
 * Every cookie route checks the CSRF token with one function (session-middleware.ts checkCsrf). A
 * token as long as the session's in characters but not in bytes (any non-ASCII character) answered
 * 500 from the byte comparison; it is a wrong token like any other: 403 `csrf_failed`.
 */
describe('a CSRF token of the right length in characters but not in bytes', () => {
  it('is refused 403 csrf_failed by every kind of cookie route, never a 500', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const wide = 'é'.repeat(ana.session.csrfToken.length);
    const routes: [string, string, unknown][] = [
      ['PATCH', '/api/me', { name: 'Renamed' }], // requireSession
      ['POST', '/api/me/email', { email: 'x@home.example' }], // requireSession
    ];
    for (const [method, path, body] of routes) {
      const res = await ana.fetch(path, { method, csrf: false, headers: { [CSRF_HEADER]: wide, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const code = ((await res.json()) as { error?: { code?: string } }).error?.code;
      expect([path, res.status, code]).toEqual([path, 403, 'csrf_failed']);
    }
    expect((await t.server.people.getPerson(ana.person.id))?.name).toBe('Ana');
  });
});
