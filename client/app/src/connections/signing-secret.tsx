import { useRef, useState } from 'preact/hooks';
import { deviceTimeZone } from '../timeline/zoned-time.ts';
import { zonedDateTimeLabel } from '../ui/labels.ts';
import type { ConnectionSummary } from './connections-api.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

/** How long the previous secret keeps working, as offered (s); 0 for a secret that leaked. */
const OVERLAPS = [
  { seconds: 24 * 3600, words: 'a day' },
  { seconds: 3600, words: 'an hour' },
  { seconds: 7 * 24 * 3600, words: 'a week' },
  { seconds: 0, words: 'no longer: it leaked' },
] as const;

/** A rotation's result, for the panel that shows it once. */
export interface RotatedSigningSecret {
  system: string;
  webhookSecret: string;
  /** ISO 8601 (UTC), or null when the previous secret was refused at once. */
  previousExpiresAt: string | null;
}

/**
 * On a `webhooks` or `preset` connection's card: a new Standard Webhooks signing secret, the old
 * one kept working for the time chosen (POST /api/connections/:id/rotate-webhook-secret), and,
 * while it does, until when.
 */
export function SigningSecretForm({ connection: c, name, busy, onRotate }: {
  connection: ConnectionSummary;
  name: string;
  busy: boolean;
  onRotate(expirePreviousInSeconds: number): Promise<void>;
}) {
  const [seconds, setSeconds] = useState<number>(OVERLAPS[0].seconds);
  const id = `signing-${c.connectionId}`;
  const until = typeof c.configuration.previousWebhookSecretExpiresAt === 'string' ? c.configuration.previousWebhookSecretExpiresAt : null;
  const previousWorks = until !== null && Date.parse(until) > Date.now();
  return (
    <div class="signing-secret">
      <div class="bind-row">
        <label for={id}>Old signing secret keeps working for</label>
        <select id={id} value={String(seconds)} onChange={(e) => setSeconds(Number(e.currentTarget.value))}>
          {OVERLAPS.map((o) => <option key={o.seconds} value={String(o.seconds)}>{o.words}</option>)}
        </select>
        <button type="button" disabled={busy} onClick={() => { if (confirmed(seconds, previousWorks ? until : null)) void onRotate(seconds); }}>New signing secret<span class="sr-only"> for {name}</span></button>
      </div>
      {previousWorks && <p class="muted">The previous signing secret still works until {zonedDateTimeLabel(until, deviceTimeZone())}.</p>}
    </div>
  );
}

/**
 * Asks first when a rotation cuts a system off: the current secret refused at once (0), or the
 * secret replaced before, still working until `previousUntil`, ended now (only one previous secret
 * is kept).
 */
function confirmed(seconds: number, previousUntil: string | null): boolean {
  const words = [
    seconds === 0 ? 'The current signing secret stops working at once: whatever still signs with it is refused.' : '',
    previousUntil ? `The secret replaced before still works until ${zonedDateTimeLabel(previousUntil, deviceTimeZone())}; a new one ends it now.` : '',
  ].filter(Boolean);
  return words.length === 0 || window.confirm(`${words.join(' ')} Make a new signing secret?`);
}

/** The new signing secret, shown once with a Copy button, and what happens to the old one. */
export function SigningSecretPanel({ rotated, onDismiss }: { rotated: RotatedSigningSecret; onDismiss(): void }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Shown once: the keyboard lands on it, selected, ready to copy.
  useFocusOnShow(input, { key: rotated.webhookSecret });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(rotated.webhookSecret);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <section class="secret-url notice" aria-labelledby="rotated-signing-heading">
      <h3 id="rotated-signing-heading">The new signing secret for {rotated.system}</h3>
      <p>Copy it now: it is shown only this once. Put it in your system or flow wherever the old one is.</p>
      <div class="field">
        <label for="rotated-signing-value">Signing secret</label>
        <input ref={input} id="rotated-signing-value" type="text" readOnly value={rotated.webhookSecret} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <p>{rotated.previousExpiresAt
        ? `Until ${zonedDateTimeLabel(rotated.previousExpiresAt, deviceTimeZone())}, deliveries signed with the old secret are still accepted, and what this hub sends is signed with both, so your system can switch in its own time.`
        : 'The old secret no longer works: deliveries signed with it are refused, and what this hub sends is signed with the new one only.'}</p>
      <div class="form-actions">
        <button type="button" class="primary" onClick={() => void copy()}>Copy signing secret</button>
        <button type="button" onClick={onDismiss}>I have copied it</button>
      </div>
      <p role="status">{copied === 'yes' ? 'Signing secret copied.' : copied === 'no' ? 'Copying is not allowed here: select the secret and copy it yourself.' : ''}</p>
    </section>
  );
}
