import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, describeApiError, type Csrf } from '../api/api-client.ts';
import type { Route, WeddingView } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import type { Session } from '../session/token.ts';
import { WeddingScreen } from '../wedding/wedding-screen.tsx';
import { rememberedWeddingClaims } from './offline-identity.ts';
import { WeddingTokens } from './wedding-tokens.ts';

interface Props {
  csrf: Csrf;
  weddingId: string;
  view: WeddingView;
  navigate(route: Route): void;
  /** The session itself is gone (signed out elsewhere, revoked): back to sign-in with this reason. */
  onSignedOut(reason: string): void;
  header: ComponentChildren;
}

/**
 * A wedding opened from the browser session: mints the wedding's access token (POST
 * /api/auth/token) and keeps it renewed (WeddingTokens), then shows the wedding as a pasted token
 * would, with the role the person has in it. Offline, a wedding opened on this device before opens
 * from its offline copy with the kept claims (offline-identity.ts) and no token (`token: ''`).
 */
export function AccountWedding({ csrf, weddingId, view, navigate, onSignedOut, header }: Props) {
  const [session, setSession] = useState<Session | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const tokens = new WeddingTokens(csrf, weddingId, setSession);
    tokens.session().catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'unauthorized') return onSignedOut('Your sign-in has ended. Sign in again.');
      if (error instanceof ApiError && error.code === 'offline') {
        // No network: the wedding opens from this device's copy with the identity it was last
        // opened with; the SDK asks `tokens.get` for a real token when the network returns.
        const claims = rememberedWeddingClaims(weddingId);
        if (claims) return setSession({ token: '', claims, refresh: tokens.get, csrf });
        return setProblem('This wedding has not been opened on this device yet, so there is no copy of it here: it needs a connection the first time.');
      }
      setProblem(error instanceof ApiError && error.serverCode === 'wedding_forbidden'
        ? `You do not take part in wedding “${weddingId}”. Ask its planner for an invitation.`
        : describeApiError(error, 'Opening the wedding'));
    });
    return () => tokens.stop();
  }, [csrf, weddingId]);

  if (problem) {
    return (
      <>
        <header class="topbar">{header}</header>
        <main id="main" class="problem">
          <h1>Cannot open this wedding</h1>
          <p role="alert">{problem}</p>
          <p><a href="/" onClick={linkHandler(navigate, { name: 'picker' })}>Choose another wedding</a></p>
        </main>
      </>
    );
  }
  if (!session) {
    return (
      <>
        <header class="topbar">{header}</header>
        <main id="main"><p class="muted" role="status">Opening the wedding…</p></main>
      </>
    );
  }
  return <WeddingScreen session={session} weddingId={weddingId} view={view} navigate={navigate} onRefused={onSignedOut} header={header} />;
}
