import * as Y from 'yjs';
import type { Role } from '../../schema/index.ts';
import { ownPart, viewOf, type View } from '../../schema/document/audiences.ts';
import { forView } from '../../server/collab/audience-filter.ts';

/** The server's document as `view` receives it: a fresh Y.Doc with the filtered whole state. */
export function asSeen(doc: Y.Doc, view: View): Y.Doc {
  const seen = new Y.Doc();
  Y.applyUpdate(seen, forView(doc, Y.encodeStateAsUpdate(doc), view));
  return seen;
}

/** The view a participant's own part (what the SDK opens by default) gives them. */
export function ownView(role: Role, vendorId?: string): View {
  return viewOf(role, vendorId, ownPart(role, vendorId))!;
}
