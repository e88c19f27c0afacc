import type { AckLinks } from '../comms/ack-links.ts';
import type { FeedStore } from '../calendar/feed-store.ts';

/** `/api/comms/ack/<token>` (GET shows, POST acknowledges). */
const ACK_PATH = /^\/api\/comms\/ack\/([^/?]+)$/;
/** `/calendar/<feed token>.ics`, as calendar-routes.ts accepts it. */
const FEED_PATH = /^\/calendar\/(wsf_[A-Za-z0-9_-]{20,64})\.ics$/;

/**
 * The wedding a request opens when its path does not name it but its credential does: an
 * acknowledgement link's signed token (read here, no query), or an ICS feed's secret (looked up
 * in the feed store). Null for any other path, and for a token that names nothing: the route then
 * answers it as usual (404, 403). For owner forwarding (owner-forwarding.ts `weddingNamedBy`).
 */
export function weddingNamedBy(deps: { ackLinks: AckLinks; feeds: Pick<FeedStore, 'byToken'> }): (path: string) => Promise<string | null> {
  return async (path) => {
    const ack = ACK_PATH.exec(path)?.[1];
    if (ack !== undefined) {
      let token: string;
      try {
        token = decodeURIComponent(ack);
      } catch {
        return null;
      }
      return deps.ackLinks.verify(token)?.weddingId ?? null;
    }
    const feed = FEED_PATH.exec(path)?.[1];
    if (feed !== undefined) return (await deps.feeds.byToken(feed))?.weddingId ?? null;
    return null;
  };
}
