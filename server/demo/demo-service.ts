import crypto from 'node:crypto';
import { WorkspaceConnectBody, type DemoSetupStep, type DemoStory, type Person } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import { HttpError } from '../http/http-error.ts';
import type { Logger } from '../logger.ts';
import type { PaymentCoordinator } from '../payments/payment-coordinator.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { peekWedding, type StoredDocuments } from '../people/wedding-peek.ts';
import type { Db } from '../storage/database.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import { openInvoices, sendInquiry } from './demo-moments.ts';
import { repointPayLinks } from './demo-pay-links.ts';
import { DemoRefusal } from './demo-refusal.ts';
import { DEMO_CALENDAR, DemoSandboxes } from './demo-sandboxes.ts';
import { DEMO_SAVE_INTERVAL_MS, readDemoState, writeDemoState, type DemoState } from './demo-state.ts';
import { DEMO_WEDDING, demoWeddingDate, seedDemoWedding } from './demo-wedding.ts';

export interface DemoDeps {
  db: Db;
  people: PeopleStore;
  bridge: Bridge;
  collab: CollabServer;
  documents: DocumentStore;
  payments: PaymentCoordinator;
  logger: Logger;
  /** The host name the guarded egress answers as 127.0.0.1 (demoSandboxHost). */
  sandboxHost: string;
  /** The hub's address (PUBLIC_URL, or http://HOST:port once listening): where the sandboxes deliver webhooks. */
  publicUrl: () => string;
  /** Where the demo's state is saved (demo-state.ts); absent: kept in memory only. */
  stateFile?: string;
  now?: () => number;
}

interface Running {
  ownerId: string;
  /** The owner is the "Demo planner" the demo made for a visitor with no account (no e-mail, no other way in). */
  anonymous: boolean;
  workspaceId: string;
  weddingId: string;
  googleConnectionId: string;
}

/** The systems the demo connects: their adapters are loaded ahead (DemoService `prepare`). */
const DEMO_SYSTEMS = ['vsco-workspace', 'google-calendar', 'stripe'] as const;

/**
 * The demo (docs/operations.md#demo): in-process sandboxes, a demo studio connected to them, and
 * the story's moments driven through each system's own API (the lead form VSCO serves, Stripe's
 * invoice payment), so what reaches the hub arrives through the real adapters and webhooks.
 * The sandboxes keep their state in memory and the demo saves it, with which demo runs, in the data
 * directory (demo-state.ts); `resume` picks it up after a restart, so the demo's connections keep
 * pointing at the same accounts, and `repoint` (once the server listens) moves the sandboxes'
 * webhooks and watch channels to the hub's address when it changed (another PORT or PUBLIC_URL).
 */
export class DemoService {
  readonly sandboxes: DemoSandboxes;
  /** The sandbox-only switch that makes Google Calendar refuse changes (demo-refusal.ts). */
  readonly refusal: DemoRefusal;
  private running: Running | null = null;
  /** The set-up step under way while `starting` (GET /api/demo `setup`). */
  private step: DemoSetupStep | null = null;
  private preparing: Promise<void> | null = null;
  private starting: Promise<Running> | null = null;
  /** Whether the set-up under way is for a visitor with no account. */
  private startingAnonymous = false;
  private inquiries = 0;
  /** Stops binding the demo calendar to weddings made from inquiries. */
  private unsubscribe: (() => void) | null = null;
  /** The demo planner made for an anonymous start whose set-up then failed. */
  private orphan: Person | null = null;
  private readonly now: () => number;
  /** The stored rows read asynchronously, one object: peekWedding keeps its answers per store. */
  private readonly stored: StoredDocuments;
  private saver: NodeJS.Timeout | null = null;
  /** The JSON last written, so an unchanged state is not written again. */
  private saved = '';
  /**
   * The hub address the demo's webhook endpoints, hooks and watch channels point at (DemoState
   * `hubUrl`); null when unknown (a state saved before it was kept).
   */
  private hubUrl: string | null = null;

  constructor(private readonly deps: DemoDeps) {
    this.stored = { load: async (name) => deps.documents.load(name) };
    this.sandboxes = new DemoSandboxes(deps.sandboxHost);
    this.refusal = new DemoRefusal(this.sandboxes.google);
    this.now = deps.now ?? Date.now;
  }

  /** The set-up step under way, or null when the demo is not being set up. */
  get setupStep(): DemoSetupStep | null { return this.starting ? this.step : null; }

  /**
   * Loads the adapters the demo connects (call once the server listens; later calls share the
   * first). Loading them (and their SDKs, such as stripe-node) was most of the wait after
   * "Try the demo" (trial 23: about 9 s on a busy machine), so it happens before anyone presses it.
   * Never rejects: a failure is logged, and `start` then loads (and reports) them itself.
   */
  prepare(): Promise<void> {
    this.preparing ??= Promise.all(DEMO_SYSTEMS.map((s) => this.deps.bridge.runtime.definitionOf(s)))
      .then(() => undefined, (error: unknown) => this.deps.logger.warn({ err: error }, 'could not load the demo\'s adapters ahead'));
    return this.preparing;
  }

  get isRunning(): boolean { return this.running !== null; }

  /** Whether this person is the demo's owner. */
  owns(personId: string | null): boolean { return !!personId && this.running?.ownerId === personId; }

  /**
   * Who may start the demo: while it is not running, the first person of the data directory, or
   * anyone when nobody has signed up yet (a first run: the demo then signs in a demo planner).
   * While a demo started that way runs (or is being set up), anyone with no session may join it
   * as its demo planner: that planner has no e-mail, so a visitor whose tab closed before the
   * session cookie arrived would otherwise have no way back (docs/operations.md#demo).
   */
  canStart(personId: string | null): boolean {
    if (this.running || this.starting) return personId === null && this.joinable;
    const first = this.deps.db.prepare('SELECT id FROM people ORDER BY created_at, rowid LIMIT 1').get() as { id: string } | undefined;
    // A demo planner whose set-up failed, or made by an earlier run of this server, has no way to
    // sign in: the next anonymous try is theirs.
    if (!personId) return first === undefined || (this.orphan !== null && first.id === this.orphan.id) || this.isDemoPlanner(first.id);
    return first?.id === personId;
  }

  /**
   * Whether `personId` is a "Demo planner" an anonymous start made (in this process or an earlier
   * one): no e-mail, no external identity, and signed in only ever by the demo.
   */
  private isDemoPlanner(personId: string): boolean {
    const row = this.deps.db.prepare(`SELECT p.email IS NULL AS noEmail,
        (SELECT COUNT(*) FROM person_identities i WHERE i.person_id = p.id) AS identities,
        (SELECT COUNT(*) FROM sessions s WHERE s.person_id = p.id AND s.method = 'demo') AS demoSessions,
        (SELECT COUNT(*) FROM sessions s WHERE s.person_id = p.id AND s.method <> 'demo') AS otherSessions
      FROM people p WHERE p.id = ?`).get(personId) as { noEmail: number; identities: number; demoSessions: number; otherSessions: number } | undefined;
    return !!row && row.noEmail === 1 && row.identities === 0 && row.demoSessions > 0 && row.otherSessions === 0;
  }

  /** The first person of the data directory when a previous run's demo made them. */
  private async earlierDemoPlanner(): Promise<Person | null> {
    const first = this.deps.db.prepare('SELECT id FROM people ORDER BY created_at, rowid LIMIT 1').get() as { id: string } | undefined;
    return first && this.isDemoPlanner(first.id) ? await this.deps.people.getPerson(first.id) : null;
  }

  /** A demo for a visitor with no account runs or is being set up: a new visitor may join it. */
  private get joinable(): boolean {
    return this.running ? this.running.anonymous : this.starting !== null && this.startingAnonymous;
  }

  /**
   * Starts the sandboxes and sets up the demo studio for `person` (made as "Demo planner" when
   * null); with `person` null while a demo for a visitor with no account runs or is being set up,
   * joins it instead (`joined: true`, after the set-up finishes). Throws HttpError 403
   * `demo_forbidden` when canStart says no, 409 `demo_running` when it runs already (or is being
   * set up) for a person with an account.
   */
  async start(person: Person | null): Promise<{ person: Person; workspaceId: string; weddingId: string; joined: boolean }> {
    if (this.running || this.starting) {
      if (person || !this.joinable) throw new HttpError(409, 'demo_running', 'the demo is running already in this server');
      const run = this.running ?? await this.starting!;
      const owner = (await this.deps.people.getPerson(run.ownerId))!;
      return { person: owner, workspaceId: run.workspaceId, weddingId: run.weddingId, joined: true };
    }
    if (!this.canStart(person?.id ?? null)) {
      throw new HttpError(403, 'demo_forbidden', person ? 'only the first person who signed up here may start the demo' : 'people have signed up here already: sign in to start the demo');
    }
    // Claimed before the first await: a second request meanwhile joins (or gets demo_running).
    this.startingAnonymous = person === null;
    this.starting = (async () => {
      const owner = person ?? this.orphan ?? await this.earlierDemoPlanner() ?? await this.deps.people.createPerson({ name: 'Demo planner', email: null });
      try {
        const run = await this.setUp(owner, person === null);
        this.orphan = null;
        return run;
      } catch (error) {
        if (!person) this.orphan = owner;
        throw error;
      }
    })();
    try {
      this.running = await this.starting;
    } finally {
      this.starting = null;
      this.step = null;
    }
    const owner = person ?? (await this.deps.people.getPerson(this.running.ownerId))!;
    return { person: owner, workspaceId: this.running.workspaceId, weddingId: this.running.weddingId, joined: false };
  }

  private async setUp(owner: Person, anonymous: boolean): Promise<Running> {
    this.step = 'sandboxes';
    await Promise.all([this.prepare(), this.sandboxes.start()]);
    this.step = 'studio';
    const workspace = await this.deps.people.createWorkspace({ name: 'Demo studio', kind: 'planner' }, owner.id);
    const weddingId = `wed_${crypto.randomBytes(12).toString('base64url')}`;
    await this.deps.people.registerWedding({ id: weddingId, workspaceId: workspace.id, createdBy: owner.id });
    const date = demoWeddingDate(this.now());
    await this.deps.collab.withDocument(weddingId, (ydoc) => seedDemoWedding(ydoc, date, { id: owner.id, name: owner.name }));
    const p = this.principal(owner.id, weddingId);
    const bodies = this.sandboxes.connectBodies();
    const connect = (body: Record<string, unknown>) => this.deps.bridge.connections.connectWorkspace(p, WorkspaceConnectBody.parse({ workspaceId: workspace.id, ...body }));
    // New weddings come from Táve inquiries; the demo wedding's day goes to the studio's calendar, its deposit to Stripe.
    this.step = 'vsco';
    await connect(bodies.vsco);
    this.step = 'google';
    const google = await connect({ ...bodies.google, bindings: [{ weddingId }] });
    // A wedding made from an inquiry is the studio's too: its day goes to the same calendar, bound
    // as the unmatched queue binds a new wedding (planner rights, the connection's own settings).
    this.bindInquiries(workspace.id, google.connectionId);
    this.step = 'stripe';
    await connect({ ...bodies.stripe, configuration: { ...bodies.stripe.configuration, customerEmail: 'ana.ben@demo.example' }, bindings: [{ weddingId }] });
    this.step = 'payments';
    const day = 86_400_000;
    await this.deps.payments.plan(p, weddingId, {
      vendorId: DEMO_WEDDING.photographer.id, currency: 'GBP', total: DEMO_WEDDING.fee, processor: 'stripe',
      milestones: [
        { milestone: 'deposit', weight: 25, due: new Date(this.now() + 7 * day).toISOString().slice(0, 10) },
        { milestone: 'balance', weight: 75, due: new Date(Date.parse(date) - 14 * day).toISOString().slice(0, 10) },
      ],
    });
    // The connections registered their webhooks and watch channel at this address just now.
    this.hubUrl = this.hubAddress();
    this.deps.logger.info({ workspaceId: workspace.id, weddingId, sandboxHost: this.sandboxes.host }, 'demo studio set up: VSCO Workspace, Google Calendar and Stripe sandboxes connected');
    const run = { ownerId: owner.id, anonymous, workspaceId: workspace.id, weddingId, googleConnectionId: google.connectionId };
    this.keepSaving(run);
    return run;
  }

  private bindInquiries(workspaceId: string, googleConnectionId: string): void {
    this.unsubscribe?.();
    this.unsubscribe = this.deps.bridge.unmatchedQueue.onWeddingCreated(async (w) => {
      if (w.workspaceId !== workspaceId || w.connectionId === googleConnectionId) return;
      await this.deps.bridge.connections.bindNewWedding(googleConnectionId, w.weddingId, w.createdBy);
    });
  }

  /**
   * Resumes the demo an earlier run of this data directory saved (call before the bridge starts,
   * so the connections find their sandboxes): the sandboxes start with their saved state on their
   * saved ports, and when a port was taken the demo's connections are pointed at the new one.
   * Returns whether a demo was resumed. Throws when the saved state cannot be read.
   */
  async resume(): Promise<boolean> {
    const file = this.deps.stateFile;
    const state = file ? readDemoState(file) : null;
    if (!state || this.running) return false;
    const moved = await this.sandboxes.start(state.sandboxes);
    for (const { from, to } of moved) {
      // The stored configurations name the sandboxes by origin (apiBaseUrl, tokenUrl, apiBase).
      for (const table of ['connections', 'integrations'] as const) {
        this.deps.db.prepare(`UPDATE ${table} SET configuration = replace(configuration, @from, @to) WHERE instr(configuration, @from) > 0`).run({ from, to });
      }
      this.deps.logger.warn({ from, to }, 'a demo sandbox\'s port was taken: its connections now point at the new one');
    }
    const { googleConnectionId, inquiries, ...run } = state.run;
    this.inquiries = inquiries;
    this.hubUrl = state.hubUrl ?? null;
    this.bindInquiries(run.workspaceId, googleConnectionId);
    this.running = { ...run, googleConnectionId };
    this.keepSaving(this.running);
    this.deps.logger.info({ workspaceId: run.workspaceId, weddingId: run.weddingId, sandboxHost: this.sandboxes.host }, 'demo resumed from the data directory');
    return true;
  }

  /**
   * Call once the server listens (its address is known only then with PORT=0). When the hub's
   * address is not the one the resumed demo's registrations point at, each of the demo studio's
   * connections stops its webhook endpoint, hooks or watch channel in its sandbox and registers a
   * new one at the current address (ConnectionRuntime `reregister`), so changes made in the
   * sandboxes keep reaching the hub. Resolves with the connections moved (none when nothing
   * changed); one that fails is recorded on the connection and left to pull, and tried again at the
   * next start (the saved address stays the old one).
   */
  async repoint(): Promise<string[]> {
    const run = this.running;
    if (run) await this.repointPayLinks(run);
    const now = this.hubAddress();
    if (!run || this.hubUrl === now) return [];
    const from = this.hubUrl;
    const runtime = this.deps.bridge.runtime;
    const ids = runtime.all().filter((l) => l.connection.workspaceId === run.workspaceId).map((l) => l.connection.id);
    const moved: string[] = [];
    for (const id of ids) if (await runtime.reregister(id)) moved.push(id);
    if (moved.length === ids.length) this.hubUrl = now;
    this.deps.logger.info({ from, to: now, connections: moved.length, failed: ids.length - moved.length }, 'the hub\'s address changed: the demo\'s webhooks and watch channels point at the new one');
    this.save(run);
    return moved;
  }

  /** The studio's weddings' pay links name the Stripe sandbox's current port (demo-pay-links.ts). */
  private async repointPayLinks(run: Running): Promise<void> {
    try {
      const weddings = (await this.deps.people.weddingsOfWorkspace(run.workspaceId)).map((w) => w.weddingId);
      const changed = await repointPayLinks({ bridge: this.deps.bridge, collab: this.deps.collab, stripe: this.sandboxes.stripe }, weddings);
      if (changed) this.deps.logger.info({ changed, stripe: this.sandboxes.stripe.url }, 'the demo\'s pay links now name the Stripe sandbox\'s new port');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not re-point the demo\'s pay links: they may name the Stripe sandbox\'s old port');
    }
  }

  private hubAddress(): string {
    return this.deps.publicUrl().replace(/\/+$/, '');
  }

  /** Saves now and then every DEMO_SAVE_INTERVAL_MS while the demo runs (when it changed). */
  private keepSaving(run: Running): void {
    if (!this.deps.stateFile) return;
    this.save(run);
    this.saver ??= setInterval(() => { if (this.running) this.save(this.running); }, DEMO_SAVE_INTERVAL_MS);
    this.saver.unref();
  }

  private save(run: Running): void {
    if (!this.deps.stateFile) return;
    const state: DemoState = { version: 1, sandboxes: this.sandboxes.snapshot(), ...(this.hubUrl ? { hubUrl: this.hubUrl } : {}), run: { ...run, inquiries: this.inquiries } };
    const text = JSON.stringify(state);
    if (text === this.saved) return;
    try {
      writeDemoState(this.deps.stateFile, text);
      this.saved = text;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not save the demo\'s state: a restart would not resume this demo');
    }
  }

  /** A principal acting as the demo's owner for the demo wedding (the owner plans it). */
  private principal(ownerId: string, weddingId: string): Principal {
    return { sub: ownerId, role: 'planner', weddings: [weddingId], exp: Math.floor(this.now() / 1000) + 300 };
  }

  private mustRun(personId: string): Running {
    if (!this.running) throw new HttpError(409, 'demo_not_running', 'start the demo first');
    if (this.running.ownerId !== personId) throw new HttpError(403, 'demo_forbidden', 'only the person who started the demo drives it');
    return this.running;
  }

  /** A couple fill in the studio's website contact form (demo-moments.ts `sendInquiry`). */
  async simulateInquiry(personId: string): Promise<{ couple: string; date: string }> {
    this.mustRun(personId);
    return sendInquiry(this.sandboxes.vsco, this.inquiries++, this.now());
  }

  /** The couple pay the demo wedding's oldest open Stripe invoice: Stripe's signed `invoice.paid` reaches the hub. */
  simulatePayment(personId: string): { invoiceId: string; amount: number; currency: string } {
    const run = this.mustRun(personId);
    const invoice = openInvoices(this.sandboxes.stripe, run.weddingId)[0];
    if (!invoice) throw new HttpError(409, 'nothing_to_pay', 'every Stripe invoice of the demo wedding is paid');
    this.sandboxes.stripe.payInvoice(invoice.id as string);
    return { invoiceId: invoice.id as string, amount: invoice.amount_due as number, currency: String(invoice.currency).toUpperCase() };
  }

  /** What the owner sees: the studio's weddings, the Google calendar as the sandbox holds it, the budget. */
  async story(personId: string): Promise<DemoStory> {
    const run = this.mustRun(personId);
    const { people, collab } = this.deps;
    const weddings = [];
    for (const w of await people.weddingsOfWorkspace(run.workspaceId)) {
      const meta = await peekWedding({ open: collab.hocuspocus.documents, store: this.stored }, w.weddingId, (doc) => doc.getMeta(), { key: 'meta' });
      weddings.push({ id: w.weddingId, title: meta.title ?? '', date: meta.date ?? '', timezone: meta.timezone ?? '', fromInquiry: w.weddingId !== run.weddingId });
    }
    const events = this.sandboxes.google.events(DEMO_CALENDAR.id)
      .map((e) => ({ id: e.id ?? '', title: e.summary ?? '', start: e.start?.dateTime ?? e.start?.date ?? '', end: e.end?.dateTime ?? e.end?.date ?? '', location: e.location ?? '', updated: e.updated ?? '' }))
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const budget = await this.deps.payments.budget(this.principal(personId, run.weddingId), run.weddingId);
    return {
      workspaceId: run.workspaceId, weddingId: run.weddingId, weddings,
      calendar: { name: DEMO_CALENDAR.summary, timeZone: DEMO_CALENDAR.timeZone, events },
      budget: budget.budget.totals, openInvoices: openInvoices(this.sandboxes.stripe, run.weddingId).length,
      refusing: this.refusal.refusing,
      refused: (await this.deps.bridge.deadLetters(this.principal(personId, run.weddingId), run.weddingId)).length,
    };
  }

  /** Turns the Google Calendar sandbox's refusal on or off (demo-refusal.ts); only the demo's owner may. */
  setRefusal(personId: string, refusing: boolean): { refusing: boolean } {
    this.mustRun(personId);
    this.refusal.set(refusing);
    this.deps.logger.info({ refusing }, refusing ? 'demo: the Google Calendar sandbox refuses every change now' : 'demo: the Google Calendar sandbox accepts changes again');
    return { refusing: this.refusal.refusing };
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.saver) clearInterval(this.saver);
    this.saver = null;
    if (this.running) this.save(this.running);
    await this.sandboxes.stop();
  }
}
