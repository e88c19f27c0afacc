import type { Session } from '../session/token.ts';
import { displayName } from '../session/token.ts';
import { initials } from './initials.ts';
import type { Peer } from './use-presence.ts';

interface Props {
  peers: Peer[];
  session: Session;
  /** The title of an event, looked up only for the events someone has open. */
  titleOf(eventId: string): string | undefined;
  online: boolean;
}

/** Who has this wedding open right now and what each person is editing, in their colour. */
export function PresenceBar({ peers, session, titleOf, online }: Props) {
  const others = peers.filter((p) => !p.self);
  const editingLabel = (peer: Peer) => {
    if (!peer.editing) return 'viewing';
    const title = titleOf(peer.editing);
    return title ? `editing “${title}”` : 'adding an event';
  };
  return (
    <section class="presence" aria-labelledby="presence-heading">
      <h2 id="presence-heading" class="sr-only">Who is online</h2>
      <ul class="presence-list">
        <li class="presence-person is-self">
          <span class="avatar" aria-hidden="true">{initials(displayName(session.claims))}</span>
          <span><strong>You</strong> <span class="muted">({displayName(session.claims)}, {session.claims.role})</span></span>
        </li>
        {others.map((peer) => (
          <li key={peer.clientId} class="presence-person" style={{ '--person-color': peer.user!.color }} data-user-id={peer.user!.id}>
            <span class="avatar" aria-hidden="true">{initials(peer.user!.name)}</span>
            <span><strong>{peer.user!.name}</strong> <span class="muted">({peer.user!.role}) {editingLabel(peer)}</span></span>
          </li>
        ))}
      </ul>
      {others.length === 0 && <p class="muted presence-alone">{online ? 'Nobody else has this wedding open.' : 'Colleagues show here when you are online.'}</p>}
    </section>
  );
}
