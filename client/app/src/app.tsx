import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { linkHandler, useRoute } from './routing/use-route.ts';
import { ApiError } from './api/api-client.ts';
import { fetchMe } from './account/account-api.ts';
import { AccountWedding } from './account/account-wedding.tsx';
import { forgetPersonOnDevice } from './account/forget-device.ts';
import { canSignInAgain, forgetIdentity, rememberMe, rememberedMe, type Account } from './account/offline-identity.ts';
import { keepSendingOwedSignOuts, oweSignOut, sendOwedSignOuts, signOutOwed } from './account/pending-sign-out.ts';
import { AccountHome, ConnectionsView, DemoView, InvitePage, MySchedule } from './lazy-pages.ts';
import { forgetSchedule } from './schedule/schedule-api.ts';
import { forgetInSync } from './wedding/copy-age.ts';
import { SignIn, signInErrorMessage } from './session/sign-in.tsx';
import { displayName, readSession, storeToken, storedToken, tokenFromHash, type Session } from './session/token.ts';
import { WeddingPicker } from './session/wedding-picker.tsx';
import { ConfirmDialog } from './ui/confirm-dialog.tsx';
import { onActionStart } from './ui/status-line.ts';
import { AnnouncerContext } from './ui/use-announcer.ts';
import { WeddingScreen } from './wedding/wedding-screen.tsx';

/** The first wait before the sign-in is checked again while the network seemed gone and the browser says it is online (ms); it doubles up to ME_RETRY_MAX_MS. */
const ME_RETRY_MS = 3000;
const ME_RETRY_MAX_MS = 60_000;

/** `?signin_error=<code>` from a failed sign-in link or provider, taken out of the address. */
function signInError(): string | null {
  const params = new URLSearchParams(location.search);
  const code = params.get('signin_error');
  if (!code) return null;
  params.delete('signin_error');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
  return signInErrorMessage(code);
}

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
    const failed = signInError();
    const s = initialSession();
    if (failed) return { session: s.session, reason: failed };
    const only = onlyWedding(s.session);
    // Before useRoute reads the address, so the first render is already the wedding.
    if (only && location.pathname === '/') history.replaceState(null, '', `/w/${only}/timeline`);
    return s;
  }, []);
  const [session, setSession] = useState<Session | null>(initial.session);
  const [reason, setReason] = useState<string | null>(initial.reason);
  const [route, navigate] = useRoute();
  const [announcement, setAnnouncement] = useState('');
  // Signed in with the session cookie (GET /api/me); 'checking' until the server answers. A pasted
  // operator token takes precedence and skips the check (it also works offline).
  const [me, setMe] = useState<Account | null | 'checking'>('checking');
  // The invitation page sent the person to sign in first: where to come back to.
  const [signInFor, setSignInFor] = useState<string | null>(null);
  const needsMe = !session || route.name === 'invite' || route.name === 'schedule';
  // GET /api/me could not be reached (offline): the app goes on as the person last signed in on this
  // browser (offline-identity.ts), and the schedule opens from this browser's copy even without one.
  const [meUnreachable, setMeUnreachable] = useState(false);

  // The latest check of the sign-in (an older one's answer is dropped: it could put the kept,
  // offline identity back over a fresh one), whether one is under way, and whether the last failed
  // for want of a network (only that is asked again by itself, below).
  const meCheck = useRef({ latest: 0, running: false, offline: false });
  const reloadMe = useCallback(async () => {
    const n = ++meCheck.current.latest;
    meCheck.current.running = true;
    try {
      // A sign-out made on this device that has not reached the server yet: the cookie still opens the
      // session there, so /api/me is not asked and the app shows nobody signed in (pending-sign-out.ts).
      if (signOutOwed() && !(await sendOwedSignOuts())) {
        if (n !== meCheck.current.latest) return;
        setMe(null);
        setMeUnreachable(false);
        return;
      }
      const fresh = await fetchMe();
      if (n !== meCheck.current.latest) return;
      if (fresh) rememberMe(fresh);
      else forgetIdentity();
      setMe(fresh);
      setMeUnreachable(false);
    } catch (error) {
      if (n !== meCheck.current.latest) return;
      const offline = error instanceof ApiError && error.code === 'offline';
      meCheck.current.offline = offline;
      const kept = offline ? rememberedMe() : null;
      setMe(kept);
      setMeUnreachable(true);
      if (kept || location.pathname === '/schedule') return;
      setReason((r) => r ?? `Could not check your sign-in (${(error as Error).message}).`);
    } finally {
      if (n === meCheck.current.latest) meCheck.current.running = false;
    }
  }, []);
  useEffect(() => {
    if (needsMe && me === 'checking') void reloadMe();
  }, [needsMe]);
  // Back online after an offline start: check the sign-in again (the server may have ended it). The
  // check made on the `online` event may not get through (seen with Chromium 150 in
  // e2e/own-views; a phone joining a network can be the same), so while the last check failed for
  // want of a network it is made again while the browser says it is online: after 3 s, then twice
  // as long each time up to a minute, one at a time. A server that answered with an error is not
  // asked again by itself.
  useEffect(() => {
    if (!meUnreachable) return;
    const onOnline = () => void reloadMe();
    addEventListener('online', onOnline);
    let delay = ME_RETRY_MS;
    let timer: ReturnType<typeof setTimeout>;
    const later = () => {
      timer = setTimeout(() => {
        const check = meCheck.current;
        if (navigator.onLine && check.offline && !check.running) void reloadMe();
        delay = Math.min(delay * 2, ME_RETRY_MAX_MS);
        later();
      }, delay);
    };
    later();
    return () => { removeEventListener('online', onOnline); clearTimeout(timer); };
  }, [meUnreachable]);
  const account = me === 'checking' ? null : me;
  // Back on the home page from another view: the weddings may have changed there (one created from
  // the unmatched queue, a binding added), so the list is read again rather than shown as it was.
  const lastRoute = useRef(route.name);
  useEffect(() => {
    const from = lastRoute.current;
    lastRoute.current = route.name;
    if (route.name === 'picker' && from !== 'picker' && account) void reloadMe();
  }, [route.name]);
  // Owed sign-outs are sent as soon as the server answers, also those of a tab closed offline.
  useEffect(() => keepSendingOwedSignOuts(), []);
  // Signed out in another tab of this browser: this one follows.
  useEffect(() => {
    const onStorage = (e: StorageEvent) => {
      if (e.key !== 'wedsync.account' || e.newValue !== null || !account) return;
      setMe(null);
      navigate({ name: 'picker' }, { replace: true });
    };
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  }, [account, navigate]);
  // Signing out offline asks first: it removes this device's copies, and edits not yet sent with them.
  const [confirmingSignOut, setConfirmingSignOut] = useState(false);

  const announce = useCallback((message: string) => {
    // Cleared first so the same message twice is announced twice.
    setAnnouncement('');
    setTimeout(() => setAnnouncement(message), 50);
  }, []);
  // An announcement belongs to the action that made it (ui/status-line.ts): it was read out when it
  // came, and is cleared when the person moves to another view or tab, or starts another action.
  const routeKey = JSON.stringify(route);
  useEffect(() => setAnnouncement(''), [routeKey]);
  useEffect(() => onActionStart(() => setAnnouncement('')), []);

  const signOut = useCallback((why: string | null) => {
    storeToken(null);
    setSession(null);
    setReason(why);
    navigate({ name: 'picker' }, { replace: true });
  }, [navigate]);

  /**
   * Ends the cookie session; `why` is shown when the server ended it first. Signing out is written
   * down before it is sent (POST /api/auth/sign-out/deferred), so it reaches the server even when
   * this device is offline now; everything of the person on this device goes (forget-device.ts).
   * A session the server ended keeps the offline copies: their unsent edits go out after the next sign-in.
   */
  const signOutAccount = useCallback((why: string | null) => {
    setConfirmingSignOut(false);
    if (account && why === null) {
      oweSignOut(account.signOutToken);
      void sendOwedSignOuts();
      void forgetPersonOnDevice(account.person.id);
    } else {
      forgetSchedule();
      forgetInSync();
      forgetIdentity();
    }
    setMe(null);
    setReason(why);
    navigate({ name: 'picker' }, { replace: true });
  }, [account, navigate]);

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

  const header = session ? (
    <div class="app-bar">
      <a class="brand" href="/" onClick={linkHandler(navigate, { name: 'picker' })}>WedSync<span class="sr-only">: all weddings</span></a>
      <p class="who"><span>{displayName(session.claims)}</span> <span class="muted">({session.claims.role})</span></p>
      <button type="button" class="link" onClick={() => signOut(null)}>Sign out</button>
    </div>
  ) : account && (
    <div class="app-bar">
      <a class="brand" href="/" onClick={linkHandler(navigate, { name: 'picker' })}>WedSync<span class="sr-only">: all weddings</span></a>
      <p class="who"><span>{account.person.name}</span>{account.person.email && <span class="muted"> ({account.person.email})</span>}</p>
      {account.weddings.some((w) => w.role === 'vendor') && <a href="/schedule" aria-current={route.name === 'schedule' ? 'page' : undefined} onClick={linkHandler(navigate, { name: 'schedule' })}>My schedule</a>}
      {/* Asked first offline (unsent changes go), and for an account made with a name only (this browser is its only way back in). */}
      <button type="button" class="link" onClick={() => (navigator.onLine && canSignInAgain(account) ? signOutAccount(null) : setConfirmingSignOut(true))}>Sign out</button>
      {confirmingSignOut && (
        <ConfirmDialog title={navigator.onLine ? 'Sign out of an account with no e-mail?' : 'Sign out while offline?'} confirmLabel="Sign out"
          onConfirm={() => signOutAccount(null)} onCancel={() => setConfirmingSignOut(false)}>
          {!canSignInAgain(account) && (
            <p>Your account has no e-mail address, so this browser is your only way into it: after signing out, you get back in only with a new invitation from the planner. Add your e-mail address first on <a href="/" onClick={(e) => { setConfirmingSignOut(false); linkHandler(navigate, { name: 'picker' })(e); }}>Your weddings</a>.</p>
          )}
          {!navigator.onLine && <>
            <p>Signing out removes your weddings from this device. Changes you made here since it was last online have not reached the server yet and are removed with them.</p>
            <p>Your sign-in ends on the server as soon as this device is online again.</p>
          </>}
        </ConfirmDialog>
      )}
    </div>
  );

  const signInScreen = (redirect: string) => (
    <SignIn reason={reason} redirect={redirect} onSignIn={(s) => { storeToken(s.token); setReason(null); setSignInFor(null); setSession(s); }} />
  );

  let body: ComponentChildren;
  if (route.name === 'invite') {
    if (me === 'checking') body = <main id="main"><p class="muted" role="status">Checking your sign-in…</p></main>;
    else if (signInFor) body = signInScreen(signInFor);
    else {
      body = (
        <InvitePage key={route.token} token={route.token} me={account} onSignInNeeded={() => setSignInFor(`/invite/${route.token}`)}
          onAccepted={async (weddingId) => {
            // The person chose their account (or just joined by name): a pasted operator token would hide it.
            storeToken(null);
            setSession(null);
            await reloadMe();
            navigate({ name: 'wedding', weddingId, view: 'timeline' }, { replace: true });
          }} />
      );
    }
  } else if (route.name === 'schedule' && !session && (account || (me === null && meUnreachable))) {
    body = (
      <>
        <header class="topbar">{header || <div class="app-bar"><span class="brand">WedSync</span></div>}</header>
        <MySchedule me={account} navigate={navigate} />
      </>
    );
  } else if (!session && me === 'checking') {
    body = <main id="main"><p class="muted" role="status">Checking your sign-in…</p></main>;
  } else if (!session && account) {
    body = route.name === 'wedding' ? (
      <AccountWedding key={route.weddingId} csrf={account.csrfToken} weddingId={route.weddingId} view={route.view} navigate={navigate}
        onSignedOut={(why) => signOutAccount(why)} header={header} />
    ) : (
      <>
        <header class="topbar">{header}</header>
        {route.name === 'connections'
          ? <ConnectionsView key={route.workspaceId} me={account} workspaceId={route.workspaceId} navigate={navigate} />
          : route.name === 'demo' ? <DemoView me={account} navigate={navigate} />
          : <AccountHome me={account} navigate={navigate} reload={reloadMe} />}
      </>
    );
  } else if (!session) {
    body = signInScreen(location.pathname);
  } else if (route.name === 'wedding') {
    body = <WeddingScreen key={route.weddingId} session={session} weddingId={route.weddingId} view={route.view} navigate={navigate} onRefused={signOut} header={header} />;
  } else if (route.name === 'connections') {
    body = (
      <>
        <header class="topbar">{header}</header>
        <main id="main" class="problem"><h1>Connections</h1>
          <p role="status">A business's connections are managed signed in with your account, not with a pasted token. Sign out, then sign in with your e-mail.</p></main>
      </>
    );
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
