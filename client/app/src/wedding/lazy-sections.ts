import type { WeddingView } from '../routing/routes.ts';
import { lazyView } from '../ui/lazy-view.tsx';

// Every section but the timeline is its own chunk (ui/lazy-view.tsx says why): opening a wedding
// loads only what the timeline needs.
export const VendorsView = lazyView('vendors', () => import('../vendors/vendors-view.tsx').then((m) => m.VendorsView));
export const BudgetView = lazyView('budget', () => import('../budget/budget-view.tsx').then((m) => m.BudgetView));
export const ConflictsView = lazyView('conflicts', () => import('../conflicts/conflicts-view.tsx').then((m) => m.ConflictsView));
export const ActivityView = lazyView('activity', () => import('../activity/activity-view.tsx').then((m) => m.ActivityView));
export const IntegrationsView = lazyView('integrations', () => import('../integrations/integrations-view.tsx').then((m) => m.IntegrationsView));
export const MessagesView = lazyView('messages', () => import('../messages/messages-view.tsx').then((m) => m.MessagesView));
export const InboxView = lazyView('inbox', () => import('../messages/inbox-view.tsx').then((m) => m.InboxView));
export const OurDayView = lazyView('day', () => import('../couple/our-day-view.tsx').then((m) => m.OurDayView));
export const ProposalsView = lazyView('proposals', () => import('../couple/proposals-view.tsx').then((m) => m.ProposalsView));
export const RunOfShowView = lazyView('run-of-show', () => import('../run-of-show/run-of-show-view.tsx').then((m) => m.RunOfShowView));
export const ContactsView = lazyView('contacts', () => import('../contacts/contacts-view.tsx').then((m) => m.ContactsView));
export const SnapshotsView = lazyView('snapshots', () => import('../admin/snapshots-view.tsx').then((m) => m.SnapshotsView));
export const ShareDialog = lazyView('sharing dialog', () => import('../share/share-dialog.tsx').then((m) => m.ShareDialog));

/** The chunk behind each tab, fetched early when the person points at or focuses the tab. */
export const SECTION_CHUNKS: Partial<Record<WeddingView, { preload(): Promise<unknown> }>> = {
  vendors: VendorsView, budget: BudgetView, conflicts: ConflictsView, activity: ActivityView, integrations: IntegrationsView,
  messages: MessagesView, inbox: InboxView, 'our-day': OurDayView, proposals: ProposalsView, 'run-of-show': RunOfShowView,
  contacts: ContactsView, admin: SnapshotsView,
};
