import { useEffect, useState } from "preact/hooks";
import type { JobStreamEvent } from "../../../../contracts/event-stream.js";
import type { JobEvent } from "../../../../contracts/index.js";
import { api } from "../../data/api-client.js";
import { type ConnectionStatus, LiveStream } from "../../data/live-stream.js";

/**
 * A job's timeline, live: the job stream sends the whole timeline, then each new event; after a
 * drop it resumes with Last-Event-ID (the last seq shown), so missed events arrive exactly once.
 * While streams are refused it polls GET /fleet/jobs/:id/events?after=<seq>.
 */
export function useJobTimeline(jobId: string): { events: JobEvent[]; status: ConnectionStatus | undefined } {
  const [events, setEvents] = useState<JobEvent[]>([]);
  const [status, setStatus] = useState<ConnectionStatus | undefined>(undefined);
  useEffect(() => {
    setEvents([]);
    let last = -1;
    const add = (incoming: JobEvent[]) => {
      const fresh = incoming.filter((event) => event.seq > last).sort((a, b) => a.seq - b.seq);
      if (fresh.length === 0) return;
      last = fresh[fresh.length - 1]!.seq;
      setEvents((current) => [...current, ...fresh]);
    };
    const stream = new LiveStream({
      path: `/fleet/jobs/${encodeURIComponent(jobId)}/events/stream`,
      onMessage: (message) => {
        if (message.event !== "job.event") return;
        const { jobId: _job, ...event } = JSON.parse(message.data) as JobStreamEvent;
        add([event]);
      },
      poll: async () => {
        const page = await api<{ items: JobEvent[] }>("GET", `/fleet/jobs/${encodeURIComponent(jobId)}/events`, { query: { after: last } });
        add(page.items);
        return last < 0 ? undefined : String(last);
      },
    });
    const off = stream.onStatus(setStatus);
    stream.start();
    return () => {
      off();
      stream.close();
    };
  }, [jobId]);
  return { events, status };
}
