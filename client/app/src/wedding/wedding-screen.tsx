import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Route, WeddingView as View } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import type { Session } from '../session/token.ts';
import { warmUpZoneData } from '../timeline/zoned-time.ts';
import { useWeddingConnection } from './use-wedding-connection.ts';
import { WeddingView } from './wedding-view.tsx';

interface Props {
  session: Session;
  weddingId: string;
  view: View;
  navigate(route: Route): void;
  onRefused(reason: string): void;
  header: ComponentChildren;
}

const TOKEN_PROBLEMS = new Set(['token_missing', 'token_invalid', 'token_expired', 'session_revoked']);

/** Opens the wedding and shows it, or says why it cannot be opened. */
export function WeddingScreen({ session, weddingId, view, navigate, onRefused, header }: Props) {
  const state = useWeddingConnection(session, weddingId);
  // While the wedding loads (offline copy, handshake, first sync) the main thread mostly waits.
  useEffect(() => {
    if (typeof requestIdleCallback !== 'function') return void setTimeout(warmUpZoneData, 0);
    const id = requestIdleCallback(warmUpZoneData);
    return () => cancelIdleCallback(id);
  }, []);
  const back = <a href="/" onClick={linkHandler(navigate, { name: 'picker' })}>Choose another wedding</a>;

  const tokenRefused = state.refused !== null && TOKEN_PROBLEMS.has(state.refused);
  useEffect(() => {
    if (tokenRefused) {
      onRefused(state.refused === 'token_expired' ? 'Your sign-in has expired. Sign in again.'
        : state.refused === 'session_revoked' ? 'You were signed out (this session was ended). Sign in again.'
        : 'The server did not accept your sign-in. Sign in again.');
    }
  }, [tokenRefused]);

  if (tokenRefused) return null;
  if (state.refused || state.error) {
    const why = state.refused === 'wedding_forbidden'
      ? `Your token does not give access to wedding “${weddingId}”.`
      : `The wedding could not be opened (${state.refused ?? state.error}).`;
    return (
      <>
        <header class="topbar">{header}</header>
        <main id="main" class="problem"><h1>Cannot open this wedding</h1><p role="alert">{why}</p><p>{back}</p></main>
      </>
    );
  }
  if (!state.connection) {
    return (
      <>
        <header class="topbar">{header}</header>
        <main id="main"><p class="muted" role="status">Opening the wedding…</p></main>
      </>
    );
  }
  return (
    <WeddingView key={state.documentGeneration} session={session} connection={state.connection} sync={state.sync} offlineCopy={state.offlineCopy}
      serverReadOnly={state.serverReadOnly} updateRefused={state.updateRefused} view={view} navigate={navigate} header={header} />
  );
}
