import type { Bridge } from './bridge.ts';

/**
 * What the domain services may reach of the bridge — a narrow, typed view instead of the whole
 * runtime (issue 12, item 5). Each service names the part it uses:
 * - every service opens documents, listens to their updates (guarded: a throwing listener cannot
 *   un-acknowledge an edit, server/collab/document-listeners.ts) and reads the bridge's clock;
 * - the calendar service reads calendar bindings, their links and stored rows, reads each connected
 *   calendar's busy times through its connection's adapter, and adds a status section;
 * - communications and payments deliver their own outbox kinds through the outbox worker, find the
 *   messaging bindings of a wedding, and (comms) add a status section.
 */
export type DocumentContext = Pick<Bridge, 'withDocument' | 'onDocumentUpdate' | 'clock'>;

export type CalendarBridge = DocumentContext & Pick<Bridge, 'registry' | 'runtime' | 'links' | 'store' | 'registerStatusSection'>;

export type CommsBridge = DocumentContext & Pick<Bridge, 'registry' | 'outboxWorker' | 'inboxWorker' | 'inbox' | 'audit' | 'registerStatusSection'>;

export type PaymentsBridge = DocumentContext & Pick<Bridge, 'outboxWorker' | 'registry'>;
