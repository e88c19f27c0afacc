import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OidcFlowSealer } from '../../server/auth/oidc/flow-cookie.ts';
import { CookieSealer } from '../../server/auth/sealed-cookie.ts';
import { verifiedEmail } from '../../server/auth/oidc/identity-linking.ts';
import { issuedThrough, MICROSOFT_CONSUMER_TENANT } from '../../server/auth/oidc/providers.ts';
import { localRedirect } from '../../server/http/local-redirect.ts';
import { assertProperty } from '../helpers/property.ts';

const BASE = 'https://wedsync.example';

describe('redirect after sign-in stays on this server', () => {
  it('keeps local paths and refuses everything that a browser would take elsewhere', () => {
    expect(localRedirect(undefined)).toBe('/');
    expect(localRedirect('')).toBe('/');
    expect(localRedirect('/weddings/w1?tab=timeline#ceremony')).toBe('/weddings/w1?tab=timeline#ceremony');
    expect(localRedirect('/a/../b')).toBe('/b');
    for (const bad of ['//evil.example', '/.//evil.example', '/a/..//evil.example', '/\\evil.example', '\\\\evil.example', 'https://evil.example',
      'evil.example', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil.example', ' /x', '/%5C%5Cevil.example/../..//evil.example']) {
      expect(localRedirect(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('whatever the input, the answer is null or a path a browser resolves to this origin', () => {
    const pieces = fc.constantFrom('/', '//', '\\', '.', '..', './', '../', '%2F', '%5C', ':', '@', 'evil.example', 'https:', '\t', '\n', '?', '#', 'a');
    assertProperty(fc.property(fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((p) => p.join(''))), (input) => {
      const out = localRedirect(input);
      if (out === null) return;
      expect(out.startsWith('/') && !out.startsWith('//')).toBe(true);
      expect(new URL(out, BASE).origin).toBe(BASE);
    }), { numRuns: 2000 });
  });
});

describe('which e-mail addresses a provider vouches for', () => {
  it('Google: only with email_verified', () => {
    const base = { iss: 'https://accounts.google.com', sub: '1', email: 'Ana@Bloom.example' };
    expect(verifiedEmail('google', { ...base, email_verified: true })).toBe('ana@bloom.example');
    expect(verifiedEmail('google', { ...base, email_verified: 'true' })).toBe('ana@bloom.example');
    expect(verifiedEmail('google', { ...base, email_verified: false })).toBeNull();
    expect(verifiedEmail('google', base)).toBeNull();
    expect(verifiedEmail('google', { ...base, email: 'not an address', email_verified: true })).toBeNull();
  });

  it('Microsoft: with xms_edov, or for a personal account; never email_verified or preferred_username alone', () => {
    const base = { iss: 'https://login.microsoftonline.com/t/v2.0', sub: '1', tid: 'b0f1c1a2-0000-4000-8000-000000000000', email: 'ana@contoso.example' };
    expect(verifiedEmail('microsoft', base)).toBeNull();
    expect(verifiedEmail('microsoft', { ...base, email_verified: true })).toBeNull();
    expect(verifiedEmail('microsoft', { ...base, email: undefined, preferred_username: 'ana@contoso.example', xms_edov: true })).toBeNull();
    expect(verifiedEmail('microsoft', { ...base, xms_edov: true })).toBe('ana@contoso.example');
    expect(verifiedEmail('microsoft', { ...base, xms_edov: 1 })).toBe('ana@contoso.example');
    expect(verifiedEmail('microsoft', { ...base, tid: MICROSOFT_CONSUMER_TENANT, email: 'ana@outlook.example' })).toBe('ana@outlook.example');
  });
});

describe('the sign-in flow cookie', () => {
  const flow = { provider: 'google' as const, state: 's'.repeat(43), nonce: 'n'.repeat(43), codeVerifier: 'v'.repeat(43), redirect: '/x' };

  it('opens only under the key that sealed it, and not once altered', async () => {
    const sealer = new OidcFlowSealer('a'.repeat(40));
    const sealed = await sealer.seal(flow);
    expect(sealed).not.toContain('v'.repeat(43));
    expect(await sealer.open(sealed)).toEqual(flow);
    expect(await new OidcFlowSealer('b'.repeat(40)).open(sealed)).toBeNull();
    const parts = sealed.split('.');
    parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1);
    expect(await sealer.open(parts.join('.'))).toBeNull();
    expect(await sealer.open(undefined)).toBeNull();
    expect(await sealer.open('garbage')).toBeNull();
  });

  it('a value sealed for one purpose does not open for another (a WebAuthn challenge is no sign-in flow)', async () => {
    const secret = 'a'.repeat(40);
    const challenge = await new CookieSealer(secret, 'webauthn challenge v1').seal({ k: 'authenticate', c: 'x'.repeat(43) }, 300);
    expect(await new CookieSealer(secret, 'webauthn challenge v1').open(challenge)).toMatchObject({ k: 'authenticate' });
    expect(await new CookieSealer(secret, 'oidc flow cookie v1').open(challenge)).toBeNull();
    expect(await new OidcFlowSealer(secret).open(challenge)).toBeNull();
  });
});

describe('which configured provider issues an identity (issuedThrough)', () => {
  const provider = (issuer: string) => ({ issuer: new URL(issuer) });
  const tenant = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
  it('an issuer exactly, or a tenant that Entra ID\'s multi-tenant endpoint signs in', () => {
    const cases: Array<[string, string, boolean]> = [
      ['https://accounts.google.com', 'https://accounts.google.com', true],
      ['https://accounts.google.com', 'https://accounts.google.com/', true],
      ['https://accounts.google.com', 'https://accounts.google.com.evil.example', false],
      ['https://accounts.google.com', `https://login.microsoftonline.com/${tenant}/v2.0`, false],
      ['https://login.microsoftonline.com/common/v2.0', `https://login.microsoftonline.com/${tenant}/v2.0`, true],
      ['https://login.microsoftonline.com/common/v2.0', `https://login.microsoftonline.com/${MICROSOFT_CONSUMER_TENANT}/v2.0`, true],
      ['https://login.microsoftonline.com/common/v2.0', `https://login.microsoftonline.com/${tenant}`, false],
      ['https://login.microsoftonline.com/common/v2.0', `https://sts.windows.net/${tenant}/v2.0`, false],
      ['https://login.microsoftonline.com/organizations/v2.0', `https://login.microsoftonline.com/${tenant}/v2.0`, true],
      ['https://login.microsoftonline.com/organizations/v2.0', `https://login.microsoftonline.com/${MICROSOFT_CONSUMER_TENANT}/v2.0`, false],
      ['https://login.microsoftonline.com/consumers/v2.0', `https://login.microsoftonline.com/${MICROSOFT_CONSUMER_TENANT}/v2.0`, true],
      ['https://login.microsoftonline.com/consumers/v2.0', `https://login.microsoftonline.com/${tenant}/v2.0`, false],
      // A single tenant's endpoint signs in that tenant only.
      [`https://login.microsoftonline.com/${tenant}/v2.0`, `https://login.microsoftonline.com/${tenant}/v2.0`, true],
      [`https://login.microsoftonline.com/${tenant}/v2.0`, `https://login.microsoftonline.com/${MICROSOFT_CONSUMER_TENANT}/v2.0`, false],
      ['https://login.microsoftonline.com/common/v2.0', 'not a url', false],
    ];
    expect(cases.map(([configured, iss]) => issuedThrough(provider(configured), iss))).toEqual(cases.map(([, , expected]) => expected));
  });
});
