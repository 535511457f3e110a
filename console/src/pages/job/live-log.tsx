import { useEffect, useRef, useState } from "preact/hooks";
import type { LogChunkResponse } from "../../../../contracts/index.js";
import { EmptyState, ErrorBox } from "../../components/feedback.js";
import { ApiError, api } from "../../data/api-client.js";

/** How often a live log is read again (the agent appends to its blob every few seconds). */
const POLL_MS = 2000;
/** What the page keeps of a long log: its end. */
const KEEP_CHARS = 400_000;

/**
 * An attempt's log as it grows: read by offset from GET /fleet/jobs/:id/runs/:epoch/log (the
 * append blob the agent writes while the attempt runs), again every two seconds while the attempt
 * is live, then once more when it ends. The latest attempt unless another is picked.
 */
export function LiveLog({ jobId, epochs }: { jobId: string; epochs: number[] }) {
  const latest = epochs[epochs.length - 1];
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const epoch = picked ?? latest;
  const [text, setText] = useState("");
  const [live, setLive] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (epoch === undefined) return;
    let offset = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setText("");
    setError(undefined);
    const read = async () => {
      try {
        for (;;) {
          const chunk = await api<LogChunkResponse>("GET", `/fleet/jobs/${encodeURIComponent(jobId)}/runs/${epoch}/log`, { query: { offset, limit: 65_536 } });
          if (stopped) return;
          offset = chunk.nextOffset;
          if (chunk.text !== "") setText((current) => (current + chunk.text).slice(-KEEP_CHARS));
          setLive(chunk.live);
          setError(undefined);
          if (chunk.nextOffset < chunk.size) continue;
          if (chunk.live) timer = setTimeout(() => void read(), POLL_MS);
          return;
        }
      } catch (failure) {
        if (stopped) return;
        setError(failure instanceof ApiError ? failure : new ApiError(0, "CONSOLE", String(failure)));
        // A store that did not answer is worth another look; a log that is gone is not.
        if (!(failure instanceof ApiError && failure.status === 404)) timer = setTimeout(() => void read(), POLL_MS * 2);
      }
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [jobId, epoch]);

  useEffect(() => {
    const element = box.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [text]);

  return (
    <section class="card" data-testid="live-log" data-live={live ? "yes" : "no"}>
      <header>
        <h2>Log</h2>
        {epochs.length > 1 ? (
          <label class="muted">
            attempt of epoch{" "}
            <select value={String(epoch)} onChange={(event) => setPicked(Number((event.target as HTMLSelectElement).value))}>
              {epochs.map((e) => (
                <option key={e} value={String(e)}>
                  {e}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <span class="muted">{epoch === undefined ? "" : live ? "live: read every 2 s" : "the attempt ended"}</span>
      </header>
      {error === undefined ? null : <ErrorBox error={error} title="The log could not be read" />}
      {epoch === undefined ? (
        <EmptyState title="No attempt yet">The log starts when a factory accepts the job.</EmptyState>
      ) : text === "" && error === undefined ? (
        <p class="muted">{live ? "Nothing written yet; the agent sends the log every few seconds." : "Empty: this attempt wrote nothing (or its factory had no artifact store)."}</p>
      ) : (
        <pre ref={box} data-testid="log-text" style={{ maxHeight: "28rem", overflow: "auto", whiteSpace: "pre-wrap", margin: 0 }}>
          {text}
        </pre>
      )}
    </section>
  );
}
