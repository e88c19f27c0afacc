import { lookupTable } from '../../../../schema/own-keys.ts';
/** Plain words for the codes the OAuth callback sends back in `?oauth_error=` (docs/oauth.md). */
const OAUTH_ERRORS = lookupTable<string>({
  oauth_denied: 'You pressed Deny at the provider: nothing was connected.',
  oauth_provider_error: 'The provider refused the request: nothing was connected. Try again.',
  oauth_exchange_failed: 'The provider did not accept the sign-in (it may have expired): nothing was connected. Try again.',
  oauth_no_refresh_token: 'The provider gave no lasting access: nothing was connected. Try again and allow offline access.',
  connection_test_failed: 'The calendar could not be reached with the access given: nothing was connected.',
  already_connected: 'That calendar is connected already, and a second connection would put every event in it twice. Bind the existing connection to the wedding instead.',
  session_revoked: 'Your sign-in ended while connecting: sign in and connect again.',
  connection_not_found: 'That connection is not yours to reconnect (or it was removed): nothing changed.',
});

/**
 * What the OAuth callback's return (`?connected=<id>` or `?oauth_error=<code>`) says, in plain
 * words; both parameters are taken out of the address so a reload does not repeat the message.
 */
export function oauthOutcome(): string | null {
  const params = new URLSearchParams(location.search);
  const connected = params.get('connected');
  const error = params.get('oauth_error');
  // Set by Reconnect on its returnTo: the flow renewed an existing connection.
  const reconnected = params.get('reconnected') !== null;
  if (!connected && !error) return null;
  params.delete('connected');
  params.delete('oauth_error');
  params.delete('reconnected');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  if (error) return `Not ${reconnected ? 'reconnected' : 'connected'}: ${OAUTH_ERRORS[error] ?? `the connection was refused (${error}).`}`;
  return reconnected ? 'Reconnected: the account works again, and its weddings stay bound.' : 'Connected. Bind the account to weddings below.';
}
