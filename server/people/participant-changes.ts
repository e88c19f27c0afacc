/** A participant row added to or removed from a wedding, by this instance. */
export interface ParticipantChange {
  weddingId: string;
  /** The vendor entry it joined as (a vendor's row), else null. */
  vendorId: string | null;
}

export type ParticipantListener = (change: ParticipantChange) => void;

/**
 * Who listens to a PeopleStore's participant changes: the calendar, whose double-booking check names
 * the business behind a vendor entry by who joined as it (server/calendar/vendor-identity.ts). Only
 * this instance's writes are seen; a listener that throws does not stop the others or the write.
 */
export class ParticipantChanges {
  private readonly listeners: ParticipantListener[] = [];

  on(listener: ParticipantListener): void {
    this.listeners.push(listener);
  }

  emit(change: ParticipantChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // The listener's own failure: the row is written whatever it does.
      }
    }
  }
}
