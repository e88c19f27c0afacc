import { useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import { creatorTimeZone, isKnownTimeZone } from '../timeline/zoned-time.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { createAccountWedding, createWorkspace, renameMe } from './account-api.ts';
import type { Account } from './offline-identity.ts';

interface Props {
  me: Account;
  reload(): Promise<void>;
  onCreated(weddingId: string): void;
}

/**
 * Creating a wedding in one of the person's workspaces (POST /api/weddings, the server picks the
 * id). Someone with no workspace yet first names their business (POST /api/workspaces), which
 * makes them its owner.
 */
export function CreateAccountWedding({ me, reload, onCreated }: Props) {
  if (me.workspaces.length === 0) {
    // Couples and vendors who joined by a link have weddings but no business: planning their own is the exception.
    if (me.weddings.length > 0) {
      return (
        <details class="create-wedding">
          <summary>Plan weddings of your own? Set up your business</summary>
          <CreateWorkspace me={me} reload={reload} />
        </details>
      );
    }
    return <CreateWorkspace me={me} reload={reload} />;
  }
  return <CreateWedding me={me} reload={reload} onCreated={onCreated} />;
}

function CreateWorkspace({ me, reload }: { me: Account; reload(): Promise<void> }) {
  const csrf = me.csrfToken;
  const announce = useAnnounce();
  const [name, setName] = useState('');
  // A new account is named after its e-mail address: the name invitations show is asked here once.
  const [yourName, setYourName] = useState(me.person.name);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) {
      setError('Enter the name of your business, as couples and vendors will see it.');
      document.getElementById('workspace-name')?.focus();
      return;
    }
    setBusy(true);
    try {
      if (yourName.trim() && yourName.trim() !== me.person.name) await renameMe(csrf, yourName.trim());
      await createWorkspace(csrf, name.trim());
      await reload();
      announce(`${name.trim()} is ready. Now create your first wedding.`);
    } catch (err) {
      setError(describeApiError(err, 'Creating your business'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create-wedding" onSubmit={submit} noValidate aria-labelledby="create-workspace-heading">
      <h2 id="create-workspace-heading">Set up your business</h2>
      <p>Weddings belong to a business: your planning studio, photography studio, venue or other wedding business. Name it once; your team can join it later.</p>
      <div class="field"><label for="your-name">Your name</label>
        <input id="your-name" type="text" maxLength={100} autoComplete="name" value={yourName} onInput={(e) => setYourName(e.currentTarget.value)} /></div>
      <div class="field"><label for="workspace-name">Business name</label>
        <input id="workspace-name" type="text" maxLength={200} autoComplete="organization" value={name} onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={error ? true : undefined} aria-describedby={error ? 'workspace-name-error' : undefined} /></div>
      {error && <p id="workspace-name-error" class="field-error">{error}</p>}
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Continue</button></div>
    </form>
  );
}

type Field = 'title' | 'date' | 'timezone' | 'venue';

function CreateWedding({ me, reload, onCreated }: Props) {
  const [workspaceId, setWorkspaceId] = useState(me.workspaces[0]!.workspace.id);
  const [values, setValues] = useState<Record<Field, string>>(() => ({ title: '', date: '', timezone: creatorTimeZone(), venue: '' }));
  const [problem, setProblem] = useState<{ field: Field | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (f: Field, v: string) => setValues((x) => ({ ...x, [f]: v }));
  const invalid = (f: Field) => (problem?.field === f ? { 'aria-invalid': true, 'aria-describedby': 'create-wedding-error' } : {});

  const submit = async (e: Event) => {
    e.preventDefault();
    const title = values.title.trim();
    const timezone = values.timezone.trim();
    const refuse = (field: Field, message: string) => {
      setProblem({ field, message });
      document.getElementById(`create-${field}`)?.focus();
    };
    if (!title) return refuse('title', 'Give the wedding a title, for example “Ada & Grace”.');
    if (!timezone) return refuse('timezone', 'A wedding needs a time zone: every time in it is read there.');
    if (!isKnownTimeZone(timezone)) return refuse('timezone', `“${timezone}” is not an IANA time zone (for example Europe/London).`);
    setBusy(true);
    try {
      const venue = values.venue.trim();
      const created = await createAccountWedding(me.csrfToken, { workspaceId, title, timezone, ...(values.date ? { date: values.date } : {}), ...(venue ? { venue } : {}) });
      await reload();
      onCreated(created.id);
    } catch (error) {
      setProblem({ field: null, message: describeApiError(error, 'Creating the wedding') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="create-wedding" onSubmit={submit} noValidate aria-labelledby="create-wedding-heading">
      <h2 id="create-wedding-heading">Create a wedding</h2>
      {problem && <p id="create-wedding-error" class="form-errors" role="alert">Nothing was created: {problem.message}</p>}
      {me.workspaces.length > 1 && (
        <div class="field"><label for="create-workspace">Business</label>
          <select id="create-workspace" value={workspaceId} onChange={(e) => setWorkspaceId(e.currentTarget.value)}>
            {me.workspaces.map((m) => <option key={m.workspace.id} value={m.workspace.id}>{m.workspace.name}</option>)}
          </select></div>
      )}
      <div class="field"><label for="create-title">Title</label>
        <input id="create-title" type="text" required maxLength={200} value={values.title} onInput={(e) => set('title', e.currentTarget.value)} {...invalid('title')} /></div>
      <div class="field"><label for="create-date">Date</label>
        <input id="create-date" type="date" value={values.date} onInput={(e) => set('date', e.currentTarget.value)} /></div>
      <div class="field"><label for="create-timezone">Time zone</label>
        <input id="create-timezone" type="text" required list="create-time-zones" value={values.timezone} onInput={(e) => set('timezone', e.currentTarget.value)} {...invalid('timezone')} />
        <datalist id="create-time-zones">{Intl.supportedValuesOf('timeZone').map((z) => <option key={z} value={z} />)}</datalist></div>
      <div class="field"><label for="create-venue">Venue</label>
        <input id="create-venue" type="text" maxLength={300} value={values.venue} onInput={(e) => set('venue', e.currentTarget.value)} /></div>
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Create wedding</button></div>
    </form>
  );
}
