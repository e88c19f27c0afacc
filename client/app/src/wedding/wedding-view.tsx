import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { clientOrigin, type WeddingConnection } from '../../../sdk/index.ts';
import { PresenceBar } from '../presence/presence-bar.tsx';
import { usePresence } from '../presence/use-presence.ts';
import type { Route, WeddingView as View } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { isReadOnlyRole, type Session } from '../session/token.ts';
import { TimelineView } from '../timeline/timeline-view.tsx';
import { useUndo } from '../timeline/use-undo.ts';
import { isKnownTimeZone, longDate } from '../timeline/zoned-time.ts';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { SyncStateContext } from './sync-context.ts';
import {
  ActivityView, BudgetView, ConflictsView, ContactsView, InboxView, IntegrationsView, MessagesView, OurDayView, ProposalsView, RunOfShowView,
  SECTION_CHUNKS, ShareDialog, SnapshotsView, VendorsView,
} from './lazy-sections.ts';
import { OfflineCopyNotice } from './offline-copy-notice.tsx';
import { useInboxWaiting, usePendingAutomatic } from '../messages/inbox-waiting.ts';
import { ReadOnlyNotice } from './read-only-notice.tsx';
import { RestoreBanner } from './restore-banner.tsx';
import type { SyncState } from './sync-state.ts';
import { useDocVersion, useRootVersion } from './use-doc-version.ts';
import { CONTRIBUTION_ROOTS, listProposals } from '../../../../schema/document/contributions.ts';
import { externalChangeLabel, useExternalChanges } from '../timeline/external-changes.ts';
import { useMovedSince } from '../timeline/moved-since.ts';
import { WeddingDetails } from './wedding-details.tsx';

interface Props {
  session: Session;
  connection: WeddingConnection;
  sync: SyncState;
  offlineCopy: 'pending' | 'ready' | 'unavailable';
  serverReadOnly: boolean;
  /** The server refused an update and the document went back to the server's state. */
  updateRefused?: string | null;
  view: View;
  navigate(route: Route): void;
  header: ComponentChildren;
}

const READ_ONLY_NOTE = 'read-only-note';

const TABS: { view: View; label: string; adminOnly?: boolean; roles?: readonly string[] }[] = [
  { view: 'timeline', label: 'Timeline' },
  { view: 'our-day', label: 'Our day', roles: ['couple'] },
  { view: 'proposals', label: 'Proposals', roles: ['couple', 'planner', 'admin'] },
  { view: 'vendors', label: 'Vendors' },
  { view: 'contacts', label: 'Contacts & guests', roles: ['planner', 'admin'] },
  // The budget API is closed to viewers (docs/audiences.md); a vendor is answered its own payments.
  { view: 'budget', label: 'Budget', roles: ['planner', 'admin', 'couple', 'vendor'] },
  // Only planners and admins read conflicts (docs/audiences.md): the tab was always empty for the others (vendor trial).
  { view: 'conflicts', label: 'Conflicts', roles: ['planner', 'admin'] },
  { view: 'activity', label: 'Activity', roles: ['planner', 'admin'] },
  // The integrations API refuses viewers (assertApiReader): the tab only said "not available" to them.
  { view: 'integrations', label: 'Integrations', roles: ['planner', 'admin', 'couple', 'vendor'] },
  // Planners follow every message in the document; vendors and the couple read theirs through the API.
  { view: 'messages', label: 'Messages', roles: ['planner', 'admin'] },
  { view: 'inbox', label: 'Inbox', roles: ['vendor', 'couple'] },
  { view: 'admin', label: 'Snapshots', adminOnly: true },
  { view: 'run-of-show', label: 'Run-of-show' },
];

/** One open wedding: its header, who is online, the section tabs and the chosen section. */
export function WeddingView(props: Props) {
  const { session, connection, view } = props;
  const doc = connection.doc;
  const version = useDocVersion(doc);
  const origin = useMemo(() => clientOrigin(session.claims.sub), [session.claims.sub]);
  const undo = useUndo(doc, origin);
  const { peers, setEditing } = usePresence(connection.provider);
  // Whether this role may ever change the shared views: controls it can never use are not rendered
  // (read-only text instead). Controls that are only unavailable for now (the server stopped taking
  // changes: storage full, a refused update being undone) stay, disabled, with the reason beside them.
  const canEdit = !isReadOnlyRole(session.claims);
  const readOnly = !canEdit || props.serverReadOnly;
  const isAdmin = session.claims.role === 'admin';
  // Who may decide conflicts and read the activity trail (server/bridge/conflict-resolution.ts, docs/api.md).
  const canAct = isAdmin || session.claims.role === 'planner';
  const meta = useMemo(() => doc.getMeta(), [doc, version]);
  // Never the viewer's own zone: the same wedding must read the same everywhere. A wedding without
  // a zone (made before it was required) shows a prompt to set it instead of times.
  const timeZone = meta.timezone && isKnownTimeZone(meta.timezone) ? meta.timezone : null;
  const day = useMemo(() => (timeZone ? { date: meta.date, timeZone } : null), [meta.date, timeZone]);
  // The activity (who changed what) is for planners and admins (docs/api.md, "Activity").
  const external = useExternalChanges(connection.weddingId, session.token, doc, version, canAct);
  const externalChangeOf = useCallback((eventId: string) => {
    const c = external?.get(eventId);
    return c ? externalChangeLabel(c) : undefined;
  }, [external]);
  // The others see which events moved since this page first read the wedding.
  const movedOf = useMovedSince(doc, version, timeZone, !canAct);
  // Counted only for the people who can act on them: the others read them but do not decide.
  const pendingConflicts = useMemo(() => (canAct ? doc.listConflicts().filter((c) => c.status === 'pending').length : 0), [doc, version, canAct]);
  const proposalsVersion = useRootVersion(doc, CONTRIBUTION_ROOTS.proposals);
  const readsInbox = session.claims.role === 'couple' || session.claims.role === 'vendor';
  const [inboxWaiting, setInboxWaiting] = useInboxWaiting(session, connection.weddingId, readsInbox && view !== 'inbox');
  const automaticWaiting = usePendingAutomatic(session, connection.weddingId, canAct && view !== 'messages');
  const pendingProposals = useMemo(() => (canAct ? listProposals(doc.ydoc).filter((p) => p.status === 'pending').length : 0), [doc, proposalsVersion, canAct]);
  // Before the first sync an empty copy has no title yet: not its id (couple trial: a first paint showed it).
  const opening = !meta.title && (props.sync === 'connecting' || props.sync === 'syncing') && doc.meta.size === 0;
  const title = meta.title || (opening ? 'Opening the wedding…' : connection.weddingId);
  // Invitations are made with the session (the cookie): a pasted operator token cannot share.
  const canShare = session.csrf !== undefined && session.claims.role === 'planner';
  const [sharing, setSharing] = useState(false);
  const shareButton = useRef<HTMLButtonElement>(null);
  const closeShare = () => {
    setSharing(false);
    // The dialog leaves the DOM, so the browser cannot return focus by itself.
    setTimeout(() => shareButton.current?.focus(), 0);
  };

  useEffect(() => { document.title = `${title} · WedSync planner`; }, [title]);

  const eventHistory = useMemo(() => {
    const href = (eventId: string) => `/w/${connection.weddingId}/activity#event-${eventId}`;
    return {
      href,
      open(eventId: string) {
        history.pushState(null, '', href(eventId));
        props.navigate({ name: 'wedding', weddingId: connection.weddingId, view: 'activity' });
      },
    };
  }, [connection.weddingId, props.navigate]);

  const tabs = TABS.filter((t) => (!t.adminOnly || isAdmin) && (!t.roles || t.roles.includes(session.claims.role)));
  const tokenSource = useMemo(() => session.refresh ?? (() => Promise.resolve(session.token)), [session]);
  const current = tabs.some((t) => t.view === view) ? view : 'timeline';
  const comments = useMemo(() => ({ weddingId: connection.weddingId, token: tokenSource, writer: session.claims, origin, timeZone: timeZone ?? 'UTC' }),
    [connection.weddingId, tokenSource, session.claims, origin, timeZone]);

  return (
    <>
      <header class="topbar">
        {props.header}
        <div class="wedding-title">
          <h1>{title}</h1>
          <p class="muted">
            {meta.date ? longDate(meta.date) : 'Date not set'} · {timeZone ? `times in ${timeZone}` : 'time zone not set'}{meta.venue ? ` · ${meta.venue}` : ''}
          </p>
        </div>
        {/* The couple and vendors change their own parts (guest numbers, proposals, arrivals): offline, those are kept here too. */}
        <ConnectionIndicator state={props.sync} offlineCopy={props.offlineCopy} canEdit={canEdit} contributes={session.claims.role === 'couple' || session.claims.role === 'vendor'} />
        {canShare && <button ref={shareButton} type="button" onClick={() => setSharing(true)}>Share</button>}
      </header>
      {props.sync === 'offline' && props.offlineCopy === 'ready' && <OfflineCopyNotice personId={session.claims.sub} weddingId={connection.weddingId} timeZone={timeZone ?? 'UTC'} />}
      {sharing && (
        <ShareDialog timeZone={timeZone ?? 'UTC'} weddingId={connection.weddingId} weddingTitle={title} vendors={doc.listVendors()} onClose={closeShare}
          credentials={session.csrf !== undefined ? { csrf: session.csrf } : { token: session.token }} />
      )}
      <PresenceBar peers={peers} session={session} titleOf={(id) => doc.getEvent(id)?.title} online={props.sync !== 'offline'} />
      <nav class="tabs" aria-label="Wedding sections">
        <ul>
          {tabs.map((t) => {
            const route: Route = { name: 'wedding', weddingId: connection.weddingId, view: t.view };
            const preload = () => void SECTION_CHUNKS[t.view]?.preload().catch(() => undefined);
            return (
              <li key={t.view}>
                <a href={`/w/${connection.weddingId}/${t.view}`} aria-current={t.view === current ? 'page' : undefined} onClick={linkHandler(props.navigate, route)}
                  onPointerEnter={preload} onFocus={preload}>
                  {t.label}{t.view === 'conflicts' && pendingConflicts > 0 && <span class="badge">{pendingConflicts}<span class="sr-only"> waiting</span></span>}
                  {t.view === 'proposals' && pendingProposals > 0 && <span class="badge">{pendingProposals}<span class="sr-only"> to decide</span></span>}
                  {t.view === 'inbox' && inboxWaiting > 0 && <span class="badge">{inboxWaiting}<span class="sr-only"> to acknowledge</span></span>}
                  {t.view === 'messages' && view !== 'messages' && automaticWaiting > 0 && <span class="badge">{automaticWaiting}<span class="sr-only"> automatic waiting for you to send</span></span>}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <SyncStateContext.Provider value={props.sync}>
      <main id="main" tabIndex={-1}>
        <RestoreBanner connection={connection} version={version} timeZone={timeZone ?? 'UTC'} />
        {props.updateRefused && <p class="notice" role="alert">{props.updateRefused}</p>}
        {/* An address of a section this role has not (a link a planner sent): said, not silently the timeline. */}
        {current !== view && TABS.some((t) => t.view === view) && (
          <p class="notice" role="status">{`${TABS.find((t) => t.view === view)!.label} is not part of what you see in this wedding; here is the timeline.`}</p>
        )}
        {!canEdit && <ReadOnlyNotice role={session.claims.role} view={current} />}
        {canEdit && props.serverReadOnly && (
          <p class="notice" id={READ_ONLY_NOTE} role="status">
            <strong>Changes are paused.</strong> The server is not taking changes to this wedding right now; what you see stays up to date, and editing comes back by itself.
          </p>
        )}
        {current === 'timeline' && (
          <>
            <WeddingDetails doc={doc} meta={meta} loaded={props.sync === 'online' || doc.timeline.size > 0 || doc.meta.size > 0} canEdit={canEdit} readOnly={readOnly} readOnlyNoteId={READ_ONLY_NOTE} origin={origin} />
            {day ? (
              <TimelineView doc={doc} version={version} day={day} canEdit={canEdit} readOnly={readOnly} readOnlyNoteId={READ_ONLY_NOTE} origin={origin}
                peers={peers} setEditing={setEditing} undo={undo} eventHistory={canAct ? eventHistory : undefined} externalChangeOf={canAct ? externalChangeOf : movedOf}
                comments={comments} paused={props.serverReadOnly} />
            ) : <MissingTimeZone zone={meta.timezone} readOnly={!canEdit} />}
          </>
        )}
        {current === 'vendors' && <VendorsView doc={doc} version={version} canEdit={canEdit} readOnly={readOnly} readOnlyNoteId={READ_ONLY_NOTE} origin={origin} perform={undo.perform} weddingId={connection.weddingId} token={tokenSource}
          viewerVendorId={session.claims.role === 'vendor' ? session.claims.vendorId ?? '' : undefined} />}
        {current === 'contacts' && <ContactsView doc={doc} version={version} readOnly={readOnly} origin={origin} perform={undo.perform} writer={session.claims} />}
        {current === 'budget' && <BudgetView doc={doc} version={version} weddingId={connection.weddingId} timeZone={timeZone} token={tokenSource} canManage={canEdit} />}
        {current === 'conflicts' && <ConflictsView doc={doc} version={version} timeZone={timeZone ?? 'UTC'} weddingDate={meta.date} weddingId={connection.weddingId} token={session.token}
          canAct={canAct} readOnly={readOnly} readOnlyNoteId={READ_ONLY_NOTE} navigate={props.navigate} />}
        {current === 'activity' && canAct && <ActivityView doc={doc} version={version} timeZone={timeZone ?? 'UTC'} weddingDate={meta.date} weddingId={connection.weddingId}
          token={session.token} navigate={props.navigate} />}
        {current === 'integrations' && <IntegrationsView weddingId={connection.weddingId} token={session.token} account={session.csrf !== undefined} navigate={props.navigate} doc={doc} timeZone={timeZone ?? 'UTC'} role={session.claims.role} />}
        {current === 'messages' && <MessagesView doc={doc} version={version} session={session} weddingId={connection.weddingId} timeZone={timeZone ?? 'UTC'} />}
        {current === 'inbox' && <InboxView session={session} weddingId={connection.weddingId} timeZone={timeZone ?? 'UTC'} onWaiting={setInboxWaiting} />}
        {current === 'our-day' && <OurDayView doc={doc} version={version} timeZone={timeZone} writer={session.claims} origin={origin} />}
        {current === 'proposals' && (timeZone ? (
          <ProposalsView doc={doc} version={version} timeZone={timeZone} sub={session.claims.sub} origin={origin} mode={session.claims.role === 'couple' ? 'propose' : 'decide'} />
        ) : <MissingTimeZone zone={meta.timezone} readOnly={!canEdit} />)}
        {current === 'run-of-show' && <RunOfShowView doc={doc} version={version} weddingId={connection.weddingId} session={session} />}
        {current === 'admin' && isAdmin && <SnapshotsView weddingId={connection.weddingId} token={session.token} timeZone={timeZone ?? 'UTC'} doc={doc} />}
      </main>
      </SyncStateContext.Provider>
    </>
  );
}

/** In place of the timeline while the wedding has no (known) time zone: its times cannot be read. */
function MissingTimeZone({ zone, readOnly }: { zone: string | undefined; readOnly: boolean }) {
  return (
    <section class="timeline" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <p class="notice" role="alert">
        {zone ? `This wedding’s time zone “${zone}” is not one this browser knows.` : 'This wedding has no time zone yet.'}
        {' '}Its times are shown once it has one{readOnly ? ': ask the planner to set it.' : ': set it under “Wedding details” above.'}
      </p>
    </section>
  );
}
