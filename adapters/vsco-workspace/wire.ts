/**
 * VSCO Workspace API v2 objects as this adapter reads them (https://workspace.vsco.co/api, the
 * OpenAPI document at /api/v2/openapi.json). Field names are VSCO's; where the public reference
 * is silent the README says which variants are accepted. Dates are wall dates (`YYYY-MM-DD`) and
 * times 24-hour wall times (`HH:MM[:SS]`, seconds ignored), "in the timezone of the event if
 * specified or the studio"; money is an integer in the currency's minor unit.
 */

/** A list answer: `{ meta: { currentPage, totalPages, … }, type, items }`. */
export interface VscoList<T> {
  meta?: { currentPage?: number; totalPages?: number; totalItems?: number; rows?: number };
  type?: string;
  items: T[];
}

/** Error bodies are RFC 7807 problem details. */
export interface VscoProblem { type?: string; title?: string; detail?: string; status?: number }

export type VscoStage = 'lead' | 'booked' | 'fulfillment' | 'completed';

export interface VscoLocation {
  name?: string | null;
  streetAddress?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

export interface VscoJob {
  id: string;
  /** "Name of the job that will override the title." */
  name?: string | null;
  title?: string | null;
  stage?: VscoStage | string | null;
  eventDate?: string | null;
  guestCount?: number | null;
  jobTypeId?: string | null;
  webLead?: boolean;
  closed?: boolean;
  /** Not in the published Create Job body; read when present (README). */
  location?: VscoLocation | null;
  created?: string;
  modified?: string;
}

/** `GET /address-book/{id}` (a contact of kind person). */
export interface VscoContact {
  id: string;
  kind?: string;
  firstName?: string | null;
  lastName?: string | null;
  name?: string | null;
  displayAs?: string | null;
  email?: string | null;
}

/** One of a job's contacts (`GET /job/{id}/contact`): the couple are its clients. */
export interface VscoJobContact {
  id: string;
  jobId?: string;
  contactId: string;
  /** `client` for the couple; `planner`, `venue`, … for others. */
  role?: string | null;
  primary?: boolean;
  contact?: VscoContact | null;
}

/** A session ("event" in the API): `GET /event`, `PUT /event/{id}`. */
export interface VscoEvent {
  id: string;
  jobId?: string | null;
  name?: string | null;
  allDay?: boolean;
  startDate?: string | null;
  startTime?: string | null;
  endDate?: string | null;
  endTime?: string | null;
  /** "A VSCO Workspace approved timezone name" (IANA). */
  timezoneName?: string | null;
  location?: VscoLocation | null;
  confirmed?: boolean;
  created?: string;
  modified?: string;
}

export interface VscoPayment {
  id: string;
  jobId?: string | null;
  orderId?: string | null;
  /** Minor units of `currencyCode`. */
  amount: number;
  currencyCode?: string | null;
  /** `pending`, `completed`, `failed`, `refunded`, `voided` (README: variants). */
  status?: string | null;
  description?: string | null;
  paidDate?: string | null;
  created?: string;
  modified?: string;
}

export interface VscoGallery {
  id: string;
  jobId?: string | null;
  name?: string | null;
  /** `draft`, `published`, `delivered`, `archived`. */
  status?: string | null;
  deliveredAt?: string | null;
  url?: string | null;
  modified?: string;
}

export interface VscoOrder { id: string; jobId?: string | null; booked?: boolean; modified?: string }

/** A REST hook subscription (`POST /rest-hook`). */
export interface VscoRestHook { id: string; event: string; url: string; limitTo?: Record<string, unknown> }
