/** Any origin that is not a real one: a result resolving elsewhere was not a local path. */
const BASE = 'http://redirect.invalid';

/**
 * Where to send a browser after signing in (OIDC callback, passkey sign-in; usable for e-mail links).
 * The path `redirect` names on this server, or null when it would leave it (an open redirect):
 * only `/…` paths, not `//host` or `/\host` (browsers read both as another host), no control
 * characters, and nothing that URL parsing resolves to another origin or folds into `//host`.
 * Returns the normalised path (what the browser will be sent to).
 */
export function localRedirect(redirect: string | undefined): string | null {
  if (redirect === undefined || redirect === '') return '/';
  // eslint-disable-next-line no-control-regex
  if (!redirect.startsWith('/') || redirect.startsWith('//') || redirect.includes('\\') || /[\u0000-\u001f\u007f]/.test(redirect) || redirect.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(redirect, BASE);
  } catch {
    return null;
  }
  const path = url.pathname + url.search + url.hash;
  // Dot segments can still fold into `//host` (`/.//evil.example` becomes `//evil.example`).
  return url.origin === BASE && !path.startsWith('//') && !path.includes('\\') ? path : null;
}
