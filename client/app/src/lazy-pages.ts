import { lazyView } from './ui/lazy-view.tsx';

// Pages outside a wedding are their own chunks (ui/lazy-view.tsx says why): a sign-in link to a
// wedding loads only the wedding screen and its timeline.
export const AccountHome = lazyView('home page', () => import('./account/account-home.tsx').then((m) => m.AccountHome));
export const ConnectionsView = lazyView('connections', () => import('./connections/connections-view.tsx').then((m) => m.ConnectionsView));
export const DemoView = lazyView('demo', () => import('./demo/demo-view.tsx').then((m) => m.DemoView));
export const InvitePage = lazyView('invitation', () => import('./invite/invite-page.tsx').then((m) => m.InvitePage));
export const MySchedule = lazyView('schedule', () => import('./schedule/my-schedule.tsx').then((m) => m.MySchedule));
