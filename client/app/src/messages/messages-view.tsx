import { useMemo } from 'preact/hooks';
import type { WeddingDoc } from '../../../sdk/index.ts';
import type { Session } from '../session/token.ts';
import { ComposeMessage } from './compose-message.tsx';
import { EmergencyBroadcast } from './emergency-broadcast.tsx';
import { MessageLog } from './message-log.tsx';
import { MessagesClient } from './messages-api.ts';
import { PendingMessages } from './pending-messages.tsx';

interface Props {
  doc: WeddingDoc;
  version: number;
  session: Session;
  weddingId: string;
  timeZone: string;
}

/**
 * The planner's Messages tab: compose, the log with each recipient's delivery and acknowledgement
 * (live, from the document), automatic messages waiting to be sent or discarded, and the
 * emergency broadcast.
 */
export function MessagesView({ doc, version, session, weddingId, timeZone }: Props) {
  // Keyed on the credential, not the session object, so a re-render does not restart the polling below.
  const client = useMemo(() => new MessagesClient(session, weddingId), [session.refresh ?? session.token, weddingId]);
  return (
    <section class="messages-view" aria-labelledby="messages-heading">
      <div class="section-head"><h2 id="messages-heading">Messages</h2></div>
      <ComposeMessage doc={doc} version={version} client={client} connectHref={`/w/${weddingId}/integrations`} />
      <MessageLog doc={doc} version={version} timeZone={timeZone} ownId={session.claims.sub} client={client} />
      <PendingMessages client={client} timeZone={timeZone} />
      <EmergencyBroadcast doc={doc} version={version} client={client} />
    </section>
  );
}
