import { useRef, useState } from 'preact/hooks';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

interface Props {
  /** Whose URL: the system's name. */
  system: string;
  url: string;
  /** A preset's triggers: each Zap or scenario posts to the address with `&trigger=<name>`. */
  triggers?: string[];
  /**
   * A Standard Webhooks system's signing secret: deliveries signed with it go to the address
   * without its token, and ours to the system are signed with it.
   */
  signingSecret?: string;
  /** Makes the ids unique when more than one panel is on the page. */
  idPrefix: string;
  onDismiss(): void;
}

/**
 * A secret URL shown once (a preset's webhook address, a calendar feed): read-only, with a Copy
 * button, and gone when dismissed; the server shows it redacted from then on (rotate for a new one).
 */
export function SecretUrlPanel({ system, url, triggers = [], signingSecret, idPrefix, onDismiss }: Props) {
  const [copied, setCopied] = useState<'address' | 'secret' | 'no' | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Shown once: the keyboard lands on it, selected, ready to copy.
  useFocusOnShow(input, { key: url });
  const copy = async (what: 'address' | 'secret') => {
    try {
      await navigator.clipboard.writeText(what === 'address' ? url : signingSecret ?? '');
      setCopied(what);
    } catch {
      setCopied('no');
    }
  };
  return (
    <section class="secret-url notice" aria-labelledby={`${idPrefix}-heading`}>
      <h3 id={`${idPrefix}-heading`}>The secret address for {system}</h3>
      {signingSecret
        ? <p>Copy both now: they are shown only this once. Anyone who has either can send records to this account, so paste them only into your own system or flow.</p>
        : <p>Copy it now: it is shown only this once. Anyone who has it can send records to this account, so paste it only into your own flow.</p>}
      <div class="field">
        <label for={`${idPrefix}-value`}>Secret address</label>
        <input ref={input} id={`${idPrefix}-value`} type="text" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
      </div>
      {signingSecret && (
        <>
          <div class="field">
            <label for={`${idPrefix}-signing`}>Signing secret</label>
            <input id={`${idPrefix}-signing`} type="text" readOnly value={signingSecret} onFocus={(e) => e.currentTarget.select()} />
          </div>
          <p>A system that signs (Standard Webhooks) sends to the address without its <code>?token=…</code>, signed with this secret; what this hub sends to your system is signed with it too. On a connection bound to several weddings, each event names its wedding (<code>weddingId</code>).</p>
        </>
      )}
      {triggers.length > 0 && (
        <div class="triggers">
          <p>In Zapier or Make, make one flow per {system} trigger, each posting to this address with the trigger’s name added:</p>
          <ul>{triggers.map((t) => <li key={t}><strong>{t}</strong>: <code>…&amp;trigger={encodeURIComponent(t)}</code></li>)}</ul>
        </div>
      )}
      <div class="form-actions">
        <button type="button" class="primary" onClick={() => void copy('address')}>Copy address</button>
        {signingSecret && <button type="button" onClick={() => void copy('secret')}>Copy signing secret</button>}
        <button type="button" onClick={onDismiss}>I have copied it</button>
      </div>
      <p role="status">{copied === 'address' ? 'Copied.' : copied === 'secret' ? 'Signing secret copied.' : copied === 'no' ? `Copying is not allowed here: select the ${signingSecret ? 'text' : 'address'} and copy it yourself.` : ''}</p>
    </section>
  );
}
