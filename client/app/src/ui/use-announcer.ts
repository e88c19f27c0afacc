import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** Says something to screen-reader users through the app's polite live region. */
export type Announce = (message: string) => void;

export const AnnouncerContext = createContext<Announce>(() => undefined);

export function useAnnounce(): Announce {
  return useContext(AnnouncerContext);
}
