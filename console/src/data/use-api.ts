import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, api, type Query, withQuery } from "./api-client.js";

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Fetches again, keeping what is shown until the answer arrives. */
  reload(): void;
}

/** A GET of the API, reloadable; null path: nothing to fetch yet. Keeps the last good data while
 * it reloads, and the error of the last attempt (shown as the server worded it). */
export function useApi<T>(path: string | null, query?: Query): Resource<T> {
  const url = path === null ? null : withQuery(path, query);
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; url: string | null }>({ loading: path !== null, url });
  const generation = useRef(0);
  const load = useCallback(() => {
    if (url === null) return;
    const mine = ++generation.current;
    setState((current) => ({ ...current, loading: true, url }));
    api<T>("GET", url).then(
      (data) => {
        if (mine === generation.current) setState({ data, loading: false, url });
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        const failure = error instanceof ApiError ? error : new ApiError(0, "CONSOLE", String(error));
        setState((current) => ({ ...(current.url === url ? { data: current.data } : {}), error: failure, loading: false, url }));
      },
    );
  }, [url]);
  useEffect(() => {
    load();
  }, [load]);
  const sameUrl = state.url === url;
  return { data: sameUrl ? state.data : undefined, error: sameUrl ? state.error : undefined, loading: state.loading || !sameUrl, reload: load };
}

/** A function that runs at most once per `ms`, after the last call (events in bursts, one reload). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  }, [ms]);
}
