import { AUTOMATIC_SENDER_ID, systemOrigin, type TimelineEvent, type WeddingDoc } from '../../schema/index.ts';
import type { AlertHandler, InboundAlert } from '../bridge/inbound-applier.ts';
import { CommsError } from './comms-error.ts';
import type { MessagesApi } from './messages-api.ts';
import { activeVendors } from './recipients.ts';

/** The origin of a weather alert's message: the server's, so the send planner plans its sends. */
export const WEATHER_ALERT_REASON = 'comms.weather-alert';

/**
 * The wall date (`YYYY-MM-DD`) of an ISO 8601 instant in `timeZone`; without a zone, the date as
 * written (the offset it carries is the event's own local time).
 */
export function wallDate(iso: string, timeZone?: string): string {
  if (!timeZone) return iso.slice(0, 10);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso.slice(0, 10);
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/** Whether the event takes place (at least partly) on `date`, a wall date in the wedding's zone. */
function takesPlaceOn(e: TimelineEvent, date: string, timeZone?: string): boolean {
  return wallDate(e.start, timeZone) <= date && date <= wallDate(e.end, timeZone);
}

/**
 * The vendors a weather alert for `date` concerns: every vendor not cancelled who is assigned
 * (`vendorIds`) to a timeline event marked `outdoor: true` that takes place that day, in the
 * wedding's time zone. Events without the mark are indoor: nobody is alerted for them.
 */
export function outdoorVendorsOn(w: WeddingDoc, date: string): string[] {
  const timeZone = w.getMeta().timezone || undefined;
  const assigned = new Set<string>();
  for (const e of w.listEvents()) {
    if (e.outdoor === true && takesPlaceOn(e, date, timeZone)) for (const id of e.vendorIds) assigned.add(id);
  }
  return activeVendors(w).filter((v) => assigned.has(v.id)).map((v) => v.id).sort();
}

/** The emergency's text: the headline, where, and the description, as the alert gave them. */
function alertText(alert: InboundAlert): string {
  return [alert.area ? `${alert.headline} (${alert.area}, ${alert.date})` : `${alert.headline} (${alert.date})`, alert.description].filter(Boolean).join('\n\n');
}

/**
 * An inbound `alert.weather` (the universal adapter, docs/communications.md#weather-alerts) → the
 * emergency broadcast (MessagesApi.writeEmergency, kind `weather`) to the vendors with an outdoor
 * event that day, acknowledgement and escalation as for any emergency. Nobody concerned (the day
 * is not one of the wedding's, or nothing is outdoor): nothing is sent, and the reason is audited.
 */
export function weatherAlertHandler(messages: MessagesApi, kickOutbox: () => void): AlertHandler {
  return (w, weddingId, alert, from) => {
    const vendorIds = outdoorVendorsOn(w, alert.date);
    if (vendorIds.length === 0) return { messageId: null, reason: `no vendor has an outdoor event on ${alert.date}` };
    try {
      const sent = messages.writeEmergency(w, weddingId, AUTOMATIC_SENDER_ID, {
        kind: 'weather', severity: alert.severity, subject: alert.headline.slice(0, 200), message: alertText(alert).slice(0, 5000),
        affectedVendorIds: vendorIds, includeContacts: false,
        context: { source: 'alert.weather', integrationId: from.integrationId, date: alert.date, ...(alert.area ? { area: alert.area.slice(0, 200) } : {}) },
      }, systemOrigin(WEATHER_ALERT_REASON));
      // The send planner kicks the outbox once the sends are rows; this covers a wave it planned none of.
      setImmediate(kickOutbox);
      return { messageId: sent.message.id };
    } catch (error) {
      if (error instanceof CommsError) return { messageId: null, reason: error.message };
      throw error;
    }
  };
}
