import type { Locator, Page } from 'playwright-core';
import { waitFor } from '../../helpers/wait.ts';

/** Small page helpers over the planner app's timeline, named for what a person does. */
export const row = (page: Page, eventId: string) => page.locator(`li[data-event-id="${eventId}"]`);

export async function syncState(page: Page): Promise<string | null> {
  return page.locator('[data-sync-state]').getAttribute('data-sync-state', { timeout: 1000 }).catch(() => null);
}

export async function waitSyncState(page: Page, state: 'online' | 'offline' | 'syncing', timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => (await syncState(page)) === state, `the indicator to show ${state}`, timeoutMs, 50);
}

export async function eventTitles(page: Page): Promise<string[]> {
  return page.locator('.events .event-title').allTextContents();
}

/**
 * Types `local` (`YYYY-MM-DDTHH:MM`, wall time in the wedding's zone) into the event form's start or
 * end: its date control and its time text field (ui/time-field.tsx), which replaced datetime-local.
 */
export async function fillWhen(form: Locator, name: 'Starts' | 'Ends', local: string): Promise<void> {
  await form.getByLabel(`${name} date`).fill(local.slice(0, 10));
  await form.getByLabel(`${name} time`).fill(local.slice(11, 16));
}

/** The `YYYY-MM-DDTHH:MM` the event form's start or end holds now. */
export async function whenValue(form: Locator, name: 'Starts' | 'Ends'): Promise<string> {
  return `${await form.getByLabel(`${name} date`).inputValue()}T${await form.getByLabel(`${name} time`).inputValue()}`;
}

export async function addEvent(page: Page, e: { title: string; start: string; end: string; category?: string }): Promise<void> {
  await page.getByRole('button', { name: 'Add event' }).first().click();
  const form = page.locator('.adding form.event-form');
  await form.getByLabel('Title').fill(e.title);
  await fillWhen(form, 'Starts', e.start);
  await fillWhen(form, 'Ends', e.end);
  if (e.category) await form.getByLabel('Category').selectOption(e.category);
  await form.getByRole('button', { name: 'Add event' }).click();
  await form.waitFor({ state: 'detached' });
}

/** Opens the event's form, fills the given fields and saves. */
export async function editEvent(page: Page, eventId: string, title: string, fields: Partial<Record<'Title' | 'Location', string>>): Promise<void> {
  const r = row(page, eventId);
  await r.getByRole('button', { name: `Edit ${title}` }).click();
  const form = r.locator('form.event-form');
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
  await form.getByRole('button', { name: 'Save changes' }).click();
  await form.waitFor({ state: 'detached' });
}
