import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** A component whose code is a separate chunk, fetched the first time it is shown (or preloaded). */
export type LazyView<P> = FunctionComponent<P> & {
  /** Starts fetching the chunk (e.g. when a link to the view is hovered); resolves when it is in. */
  preload(): Promise<unknown>;
};

/**
 * Splits a view out of the first bundle: the timeline must not wait for code it does not show
 * (the app had grown to 526 KB, most of it sections opened later). `load` is a dynamic `import()`,
 * so Vite emits the view as its own chunk; the service worker precaches every chunk
 * (build/precache-manifest.ts), so a section opens offline even if it was never opened online.
 *
 * While the chunk loads the view shows a polite status line ("Loading budget…"); if it cannot be
 * fetched (offline before the service worker was installed, or a deploy replaced the chunk) it
 * shows an alert with *Try again*. Once loaded, every later render is synchronous.
 *
 * NOTE: preact/compat's `lazy`/`Suspense` would do the first part, but they pull compat into the
 * first bundle and have no failure state; this is the few lines we need.
 */
export function lazyView<P extends object>(label: string, load: () => Promise<ComponentType<P>>): LazyView<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const preload = () => (pending ??= load().then(
    (component) => (loaded = component),
    (error: unknown) => {
      pending = null; // the next attempt fetches again
      throw error;
    },
  ));

  function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState<string | null>(null);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      preload().then(
        () => { if (live) setReady(true); },
        (error: unknown) => { if (live) setFailed(error instanceof Error ? error.message : String(error)); },
      );
      return () => { live = false; };
    }, [attempt]);

    if (loaded) {
      const View = loaded;
      return <View {...props} />;
    }
    if (failed !== null) {
      return (
        <div class="notice" role="alert">
          <p>The {label} could not be loaded ({failed}). Check the connection, then try again.</p>
          <button type="button" onClick={() => { setFailed(null); setAttempt((n) => n + 1); }}>Try again</button>
        </div>
      );
    }
    return <p class="muted lazy-loading" role="status">Loading {label}…</p>;
  }
  Lazy.displayName = `Lazy(${label})`;
  return Object.assign(Lazy, { preload });
}
