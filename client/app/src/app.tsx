import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { linkHandler, useRoute } from './routing/use-route.ts';
import { SignIn } from './session/sign-in.tsx';
import { displayName, readSession, storeToken, storedToken, tokenFromHash, type Session } from './session/token.ts';
import { WeddingPicker } from './session/wedding-picker.tsx';
import { AnnouncerContext } from './ui/use-announcer.ts';
import { WeddingScreen } from './wedding/wedding-screen.tsx';

/** The session from a `#token=…` link, else the stored token. */
function initialSession(): { session: Session | null; reason: string | null } {
  const fromHash = tokenFromHash(location.hash);
  if (fromHash) {
    // The token must not stay in the address bar, where it would be copied along with the URL.
    history.replaceState(null, '', location.pathname + location.search);
    const s = readSession(fromHash);
    if (s === 'malformed') return { session: null, reason: 'The sign-in link does not hold a valid token.' };
    if (s === 'expired') return { session: null, reason: 'The sign-in link has expired. Start the server again or ask for a new token.' };
    storeToken(s.token);
    return { session: s, reason: null };
  }
  const stored = storedToken();
  if (!stored) return { session: null, reason: null };
  const s = readSession(stored);
  if (typeof s === 'string') {
    storeToken(null);
    return { session: null, reason: s === 'expired' ? 'Your sign-in has expired. Sign in again.' : null };
  }
  return { session: s, reason: null };
}

/** A token for exactly one wedding opens it directly, without showing the picker first. */
function onlyWedding(session: Session | null): string | null {
  const list = session?.claims.weddings;
  return list?.length === 1 && list[0] !== '*' ? list[0]! : null;
}

export function App() {
  const initial = useMemo(() => {
    const s = initialSession();
    const only = onlyWedding(s.session);
    // Before useRoute reads the address, so the first render is already the wedding.
    if (only && location.pathname === '/') history.replaceState(null, '', `/w/${only}/timeline`);
    return s;
  }, []);
  const [session, setSession] = useState<Session | null>(initial.session);
  const [reason, setReason] = useState<string | null>(initial.reason);
  const [route, navigate] = useRoute();
  const [announcement, setAnnouncement] = useState('');

  const announce = useCallback((message: string) => {
    // Cleared first so the same message twice is announced twice.
    setAnnouncement('');
    setTimeout(() => setAnnouncement(message), 50);
  }, []);

  const signOut = useCallback((why: string | null) => {
    storeToken(null);
    setSession(null);
    setReason(why);
    navigate({ name: 'picker' }, { replace: true });
  }, [navigate]);

  // A sign-in link opened while the app is already showing is only a hash change, not a load.
  useEffect(() => {
    const onHash = () => {
      if (!tokenFromHash(location.hash)) return;
      const next = initialSession();
      setSession(next.session);
      setReason(next.reason);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  // After a sign-in, a token for exactly one wedding goes straight to it.
  useEffect(() => {
    const only = onlyWedding(session);
    if (route.name === 'picker' && only) navigate({ name: 'wedding', weddingId: only, view: 'timeline' }, { replace: true });
  }, [session, route.name]);

  const header = session && (
    <div class="app-bar">
      <a class="brand" href="/" onClick={linkHandler(navigate, { name: 'picker' })}>WedSync<span class="sr-only">: all weddings</span></a>
      <p class="who"><span>{displayName(session.claims)}</span> <span class="muted">({session.claims.role})</span></p>
      <button type="button" class="link" onClick={() => signOut(null)}>Sign out</button>
    </div>
  );

  let body: ComponentChildren;
  if (!session) {
    body = <SignIn reason={reason} onSignIn={(s) => { storeToken(s.token); setReason(null); setSession(s); }} />;
  } else if (route.name === 'wedding') {
    body = <WeddingScreen key={route.weddingId} session={session} weddingId={route.weddingId} view={route.view} navigate={navigate} onRefused={signOut} header={header} />;
  } else {
    body = (
      <>
        <header class="topbar">{header}</header>
        <WeddingPicker session={session} navigate={navigate} onRefused={signOut} />
      </>
    );
  }

  return (
    <AnnouncerContext.Provider value={announce}>
      <a class="skip-link" href="#main">Skip to content</a>
      {body}
      <div class="sr-only" aria-live="polite" aria-atomic="true">{announcement}</div>
    </AnnouncerContext.Provider>
  );
}
