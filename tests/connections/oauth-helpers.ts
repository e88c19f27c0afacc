import { expect } from 'vitest';

/**
 * Plays the person at a sandbox's consent page: loads `authorizationUrl`, submits its form with
 * Allow or Deny, and returns where the provider redirected (our callback URL, not yet requested).
 */
export async function consentAt(authorizationUrl: string, decision: 'allow' | 'deny' = 'allow'): Promise<string> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await page.text();
  expect(page.status, html).toBe(200);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const consent = /name="consent" value="([^"]+)"/.exec(html)?.[1];
  expect(action && consent, html).toBeTruthy();
  const answer = await fetch(new URL(action!, authorizationUrl), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ consent: consent!, decision }).toString(), redirect: 'manual',
  });
  expect(answer.status).toBe(302);
  return answer.headers.get('location')!;
}

/** The server environment for both providers pointed at the sandboxes. */
export const GOOGLE_CLIENT = { id: 'wedsync-google', secret: 'google-secret-0123456789' };

export function oauthEnv(google: { authorizationUrl: string; tokenUrl: string }, microsoft: { authorizeUrl: string; tokenUrl: string; clientId: string; clientSecret: string }): Record<string, string> {
  return {
    OAUTH_GOOGLE_CLIENT_ID: 'wedsync-google', OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret-0123456789',
    OAUTH_GOOGLE_AUTHORIZATION_URL: google.authorizationUrl, OAUTH_GOOGLE_TOKEN_URL: google.tokenUrl,
    OAUTH_MICROSOFT_CLIENT_ID: microsoft.clientId, OAUTH_MICROSOFT_CLIENT_SECRET: microsoft.clientSecret,
    OAUTH_MICROSOFT_AUTHORIZATION_URL: microsoft.authorizeUrl, OAUTH_MICROSOFT_TOKEN_URL: microsoft.tokenUrl,
    OAUTH_ALLOW_INSECURE_HTTP: 'true',
  };
}
