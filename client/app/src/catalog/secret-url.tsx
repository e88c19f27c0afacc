import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  /** Whose URL: the system's name. */
  system: string;
  url: string;
  /** A preset's triggers: each Zap or scenario posts to the address with `&trigger=<name>`. */
  triggers?: string[];
  /** Makes the ids unique when more than one panel is on the page. */
  idPrefix: string;
  onDismiss(): void;
}

/**
 * A secret URL shown once (a preset's webhook address, a calendar feed): read-only, with a Copy
 * button, and gone when dismissed; the server shows it redacted from then on (rotate for a new one).
 */
export function SecretUrlPanel({ system, url, triggers = [], idPrefix, onDismiss }: Props) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Shown once: the keyboard lands on it, selected, ready to copy.
  useEffect(() => input.current?.focus(), [url]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <section class="secret-url notice" aria-labelledby={`${idPrefix}-heading`}>
      <h3 id={`${idPrefix}-heading`}>The secret address for {system}</h3>
      <p>Copy it now: it is shown only this once. Anyone who has it can send records to this account, so paste it only into your own flow.</p>
      <div class="field">
        <label for={`${idPrefix}-value`}>Secret address</label>
        <input ref={input} id={`${idPrefix}-value`} type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
      </div>
      {triggers.length > 0 && (
        <div class="triggers">
          <p>In Zapier or Make, make one flow per {system} trigger, each posting to this address with the trigger’s name added:</p>
          <ul>{triggers.map((t) => <li key={t}><strong>{t}</strong>: <code>…&amp;trigger={encodeURIComponent(t)}</code></li>)}</ul>
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="primary" onClick={() => void copy()}>Copy address</button>
        <button type="button" onClick={onDismiss}>I have copied it</button>
      </div>
      <p role="status">{copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Copying is not allowed here: select the address and copy it yourself.' : ''}</p>
    </section>
  );
}
