import { useMemo, useState } from 'preact/hooks';
import { SchemaError, type TxOrigin, type Vendor, type WeddingDoc } from '../../../sdk/index.ts';
import { addComment, CONTRIBUTION_ROOTS, deleteComment, listComments } from '../../../../schema/document/contributions.ts';
import { writesEverything, writesNothing, type Writer } from '../../../../schema/document/permissions.ts';
import type { TokenSource } from '../budget/budget-api.ts';
import { newId, relativeTime, zonedDateTimeLabel } from '../ui/labels.ts';
import { useStatusLine } from '../ui/status-line.ts';
import { useSavedWhere } from '../wedding/sync-context.ts';
import { useRootVersion } from '../wedding/use-doc-version.ts';
import { authorLabel, useAuthorNames } from './comment-authors.ts';

/** What the comments of a wedding need from the wedding view: who is writing, and how to name the others. */
export interface CommentsContext {
  weddingId: string;
  token: TokenSource;
  writer: Writer;
  origin: TxOrigin;
  timeZone: string;
}

interface Props {
  doc: WeddingDoc;
  /** What the comments are about, as a document path (`timeline.<eventId>`). */
  subject: string;
  /** The thing's name, for the labels of its controls ("Comments on Ceremony"). */
  about: string;
  vendors: readonly Vendor[];
  context: CommentsContext;
  /** Changes are paused (the server is not taking them): the thread is shown, posting is not. */
  paused: boolean;
}

/** How many comments each subject has (`timeline.<eventId>` → count), re-read on every change of `comments`. */
export function useCommentCounts(doc: WeddingDoc): Map<string, number> {
  const version = useRootVersion(doc, CONTRIBUTION_ROOTS.comments);
  return useMemo(() => {
    const counts = new Map<string, number>();
    for (const c of listComments(doc.ydoc)) counts.set(c.subject, (counts.get(c.subject) ?? 0) + 1);
    return counts;
  }, [doc, version]);
}

/**
 * The comments on one thing of the wedding (an event), for everyone who reads its schedule: the
 * planner, the couple, vendors and viewers (docs/audiences.md: comments are part of the shared
 * schedule). Anyone but a viewer adds one; its author deletes it (permissions.ts, `authored`), and so
 * may a planner or an administrator, who may change anything in the wedding (moderation).
 * A comment is a change of the wedding like any other: written offline, it is kept on this device
 * and sent on reconnecting. Authors are named by GET /api/weddings/{id}/people.
 */
export function EventComments({ doc, subject, about, vendors, context, paused }: Props) {
  const version = useRootVersion(doc, CONTRIBUTION_ROOTS.comments);
  const comments = useMemo(() => listComments(doc.ydoc).filter((c) => c.subject === subject), [doc, version, subject]);
  const authors = useAuthorNames(context.weddingId, context.token, comments.map((c) => c.authorId));
  const [text, setText] = useState('');
  const [status, setStatus] = useStatusLine<string>();
  const [problem, setProblem] = useState<string | null>(null);
  const savedWhere = useSavedWhere();
  const canWrite = !writesNothing(context.writer.role);
  const slug = subject.replace(/[^A-Za-z0-9_-]/g, '-');
  const headingId = `comments-${slug}-heading`;
  const fieldId = `comments-${slug}-new`;

  const post = (e: Event) => {
    e.preventDefault();
    if (paused) return;
    if (!text.trim()) {
      setProblem('Write the comment first, then post it.');
      document.getElementById(fieldId)?.focus();
      return;
    }
    setProblem(null);
    try {
      addComment(doc.ydoc, { id: newId('cmt'), authorId: context.writer.sub, subject, text: text.trim() }, context.origin);
      setText('');
      setStatus(savedWhere('Comment posted.'));
    } catch (error) {
      setProblem(error instanceof SchemaError ? `The comment was not posted: ${error.message}.` : 'The comment was not posted.');
    }
  };
  const remove = (id: string, whose: string) => {
    if (!window.confirm(`Delete ${whose === 'You' ? 'your' : `${whose}’s`} comment? Everyone on the wedding stops seeing it.`)) return;
    deleteComment(doc.ydoc, id, context.origin);
    setStatus(savedWhere('Comment deleted.'));
    // Its Delete button has gone with it: the focus goes to the thread's heading.
    setTimeout(() => document.getElementById(headingId)?.focus(), 0);
  };

  return (
    <section class="event-comments" aria-labelledby={headingId}>
      <h4 id={headingId} tabIndex={-1}>Comments<span class="sr-only"> on {about}</span>{comments.length > 0 ? ` (${comments.length})` : ''}</h4>
      {comments.length === 0 ? <p class="muted">No comments yet.</p> : (
        <ol class="comment-list">
          {comments.map((c) => {
            const who = authorLabel(c.authorId, context.writer.sub, authors.get(c.authorId), vendors);
            return (
              <li key={c.id} class="comment">
                <p class="comment-meta">
                  <strong>{who}</strong> · <time dateTime={c.at} title={zonedDateTimeLabel(c.at, context.timeZone)}>{relativeTime(c.at)}</time>
                </p>
                <p class="comment-text">{c.text}</p>
                {canWrite && (c.authorId === context.writer.sub || writesEverything(context.writer.role)) && (
                  <button type="button" class="link" disabled={paused} onClick={() => remove(c.id, who)}>
                    Delete<span class="sr-only"> {c.authorId === context.writer.sub ? 'your' : `${who}’s`} comment “{c.text.slice(0, 40)}”</span>
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {canWrite && (
        <form class="comment-form" onSubmit={post}>
          <label for={fieldId}>Add a comment</label>
          <p class="hint" id={`${fieldId}-hint`}>Everyone on this wedding reads it: the planner, the couple, the vendors and guest viewers.</p>
          <textarea id={fieldId} rows={2} maxLength={4000} value={text} aria-describedby={`${fieldId}-hint`} disabled={paused} aria-invalid={problem ? true : undefined}
            onInput={(e) => { setText(e.currentTarget.value); setProblem(null); }} />
          <div class="form-actions">
            <button type="submit" disabled={paused}>Post comment<span class="sr-only"> on {about}</span></button>
            <span class="saved" role="status">{status}</span>
          </div>
          {problem && <p class="notice" role="alert">{problem}</p>}
        </form>
      )}
    </section>
  );
}
