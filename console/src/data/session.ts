const KEY = "fleet-dispatch.operator-token";

type Listener = (signedIn: boolean, reason?: string) => void;
const listeners = new Set<Listener>();

/**
 * The operator token, entered once per browser tab and kept in sessionStorage (gone when the tab
 * closes). It travels only in the Authorization header: never in a URL, never in localStorage.
 */
export const session = {
  token(): string | undefined {
    return sessionStorage.getItem(KEY) ?? undefined;
  },
  signIn(token: string): void {
    sessionStorage.setItem(KEY, token.trim());
    for (const listener of listeners) listener(true);
  },
  /** Forgets the token; `reason` (the API's message) is shown on the sign-in page. */
  signOut(reason?: string): void {
    sessionStorage.removeItem(KEY);
    for (const listener of listeners) listener(false, reason);
  },
  onChange(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
