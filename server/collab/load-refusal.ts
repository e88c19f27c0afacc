import type { DocumentLoadError } from './document-unavailable.ts';

/**
 * What DurablePersistence.onLoadDocument throws when it refuses a load: not an Error and without a
 * `message`, because Hocuspocus prints every hook error that has one to stderr (`[onLoadDocument]
 * …`, in `Hocuspocus.hooks`), and the refusal is already logged, structured, where it is decided.
 * Hocuspocus sends `reason` to each waiting client as permission-denied (the transport closes with
 * the matching code); a server-side opener gets the DocumentLoadError itself back (loadRefusalCause).
 */
export class LoadRefusal {
  readonly reason: DocumentLoadError['reason'];
  constructor(readonly error: DocumentLoadError) {
    this.reason = error.reason;
  }
}

/** The DocumentLoadError inside a LoadRefusal; any other value as it is. */
export function loadRefusalCause(error: unknown): unknown {
  return error instanceof LoadRefusal ? error.error : error;
}
