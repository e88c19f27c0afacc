import { WedSyncError, type ErrorCode } from '../errors.ts';

export const CALENDAR_ERROR_CODES = ['feed_not_found', 'vendor_not_found'] as const satisfies readonly ErrorCode[];
export type CalendarErrorCode = (typeof CALENDAR_ERROR_CODES)[number];

/** An unknown or revoked feed, or an unknown vendor: HTTP 404 with the code. */
export class CalendarError extends WedSyncError<CalendarErrorCode> {
  override readonly name = 'CalendarError';
  constructor(code: CalendarErrorCode, message: string) {
    super(code, message);
  }
}
