// The closed part of a timeline row (time, title, details, actions) as one HTML string.
//
// Why a string: opening a 300-event wedding renders every row at once, and through Preact's diff
// each row is ~35 elements and text nodes created and inserted one by one, all of it running cold
// (interpreted) on a first load: in a Chromium profile of the cold load that was ~60 % of the task
// that applies the first sync and renders (bench/planner-load-profile.ts). The browser's HTML
// parser builds the same nodes natively. The markup is exactly what the JSX row rendered, so what
// people see, what assistive technology reads and what find-in-page finds are unchanged.
//
// The rule that keeps this safe: every value from the document or from peers goes through `text()`
// or `attr()`; the only raw fragments are literals in this file. A presence colour is used only
// when it is a hex colour (the server stamps one from a fixed list; anything else is dropped), and
// it travels as `data-chip-color`: the page's CSP (style-src 'self') blocks style attributes in
// parsed markup, so EventRow sets it through the CSSOM (`applyChipColors`), as Preact's style prop did.
//
// A row whose string changes has its summary replaced, so a focused control in it is lost:
// TimelineView puts the focus back on the same control of the same row (by data-action).

import type { TimelineEvent } from '../../../sdk/index.ts';
import type { Peer } from '../presence/use-presence.ts';
import { humanize } from '../ui/labels.ts';
import { daysBetween, shortDate, wallClockAt } from './zoned-time.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ESCAPED = /[&<>"']/g;

/** `value` as HTML text or a double-quoted attribute value. */
export function text(value: string): string {
  return value.replace(ESCAPED, (c) => ESCAPES[c]!);
}
const attr = text;

const HEX_COLOR = /^#[0-9a-fA-F]{3,8}$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Date (`2026-06-13`) and clock (`14:05`) of an instant in the zone; `''` and `--:--` for text that is not a time. */
function zoned(iso: string, timeZone: string): { date: string; clock: string } {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return { date: '', clock: '--:--' };
  const w = wallClockAt(ms, timeZone);
  return { date: `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`, clock: `${pad(w.hour)}:${pad(w.minute)}` };
}

export interface EventSummaryInput {
  event: TimelineEvent;
  index: number;
  count: number;
  timeZone: string;
  /** The wedding date (`YYYY-MM-DD`): an event starting on another day shows its date. */
  date: string | undefined;
  vendorNames: string;
  editors: Peer[];
  readOnly: boolean;
  readOnlyNoteId: string;
  open: boolean;
  external?: string | undefined;
}

/**
 * The inner HTML of a row's `.event-summary`: the time, the title (`id="event-<id>-title"`, which
 * the row's `aria-labelledby` names), category, location, vendors, notes (not while open), the
 * external-change line, who else is editing, and the Edit/View, ↑, ↓ and Delete buttons, which
 * carry `data-action` for the list's delegated handlers.
 */
export function eventSummaryHtml(p: EventSummaryInput): string {
  const e = p.event;
  const start = zoned(e.start, p.timeZone);
  const end = zoned(e.end, p.timeZone);
  // After midnight (teardown, an after-party) the time alone would read as the morning before.
  const otherDay = p.date !== undefined && start.date !== p.date;
  const endDay = daysBetween(start.date, end.date);
  const describedBy = p.readOnly ? ` aria-describedby="${attr(p.readOnlyNoteId)}"` : '';
  const disabled = (off: boolean) => (off ? ' disabled=""' : '');
  const title = text(e.title);

  let time = '<p class="event-time">';
  if (otherDay) time += `<span class="event-date">${text(shortDate(start.date))} </span>`;
  time += `<time datetime="${attr(e.start)}">${start.clock}</time><span aria-hidden="true">–</span><span class="sr-only"> to </span>`
    + `<time datetime="${attr(e.end)}">${end.clock}</time>`;
  if (endDay > 0) time += `<span class="next-day" title="ends the next day"> +${endDay}d</span>`;
  time += '</p>';

  let main = `<div class="event-main"><h3 id="${attr(`event-${e.id}-title`)}" class="event-title">${title}</h3>`
    + `<p class="event-meta"><span class="tag">${text(humanize(e.category))}</span>`;
  if (e.location) main += `<span>${text(e.location)}</span>`;
  if (p.vendorNames) main += `<span>${text(p.vendorNames)}</span>`;
  main += '</p>';
  if (e.notes.trim() && !p.open) main += `<p class="event-notes"><span class="sr-only">Notes: </span>${text(e.notes)}</p>`;
  if (p.external) main += `<p class="external-change">${text(p.external)}</p>`;
  if (p.editors.length > 0) {
    main += '<p class="editing-now">';
    for (const peer of p.editors) {
      const color = peer.user && HEX_COLOR.test(peer.user.color) ? ` data-chip-color="${attr(peer.user.color)}"` : '';
      main += `<span class="presence-chip"${color}>${text(peer.user?.name ?? '')} is editing</span>`;
    }
    main += '</p>';
  }
  main += '</div>';

  const actions = '<div class="event-actions">'
    + `<button type="button" aria-expanded="${p.open}" data-action="open">${p.readOnly ? 'View' : 'Edit'}<span class="sr-only"> ${title}</span></button>`
    + `<button type="button" class="icon" data-action="up"${disabled(p.readOnly || p.index === 0)}${describedBy}>`
    + `<span aria-hidden="true">↑</span><span class="sr-only">Move ${title} earlier</span></button>`
    + `<button type="button" class="icon" data-action="down"${disabled(p.readOnly || p.index === p.count - 1)}${describedBy}>`
    + `<span aria-hidden="true">↓</span><span class="sr-only">Move ${title} later</span></button>`
    + `<button type="button" class="danger" data-action="delete"${disabled(p.readOnly)}${describedBy}>Delete<span class="sr-only"> ${title}</span></button>`
    + '</div>';

  return time + main + actions;
}

/** Gives each presence chip in `root` its colour (`--chip-color`) from `data-chip-color`. */
export function applyChipColors(root: Element): void {
  for (const chip of root.querySelectorAll<HTMLElement>('[data-chip-color]')) chip.style.setProperty('--chip-color', chip.dataset.chipColor ?? '');
}
