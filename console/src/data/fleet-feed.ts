import { useEffect, useRef, useState } from "preact/hooks";
import type { FleetStreamEvent } from "../../../contracts/event-stream.js";
import { type ConnectionStatus, LiveStream } from "./live-stream.js";

type FleetType = FleetStreamEvent["type"];
type Handler = (event: FleetStreamEvent) => void;

/** Fired when the page must reload what it shows: the stream could not replay what it missed
 * (`reset`), or it is polling and this is a poll. */
const RESYNC = "resync";

const handlers = new Map<string, Set<Handler | (() => void)>>();
let stream: LiveStream | undefined;

function emit(type: string, event?: FleetStreamEvent): void {
  for (const handler of handlers.get(type) ?? []) (handler as Handler)(event as FleetStreamEvent);
}

/**
 * The one fleet stream a console tab holds (`GET /fleet/events/stream`), shared by every page:
 * pages subscribe to the event types they show and to resyncs. While the stream is unavailable it
 * "polls" by asking every page to reload.
 */
export const fleetFeed = {
  start(): void {
    if (stream !== undefined) return;
    stream = new LiveStream({
      path: "/fleet/events/stream",
      onMessage: (message) => {
        if (message.event === "reset") {
          emit(RESYNC);
          return;
        }
        if (message.event === "hello") return;
        emit(message.event, { type: message.event, data: JSON.parse(message.data) } as FleetStreamEvent);
      },
      poll: async (lastEventId) => {
        emit(RESYNC);
        return lastEventId;
      },
      pollEveryMs: 5000,
    }).start();
  },
  stop(): void {
    stream?.close();
    stream = undefined;
  },
  get stream(): LiveStream | undefined {
    return stream;
  },
  on(type: FleetType | typeof RESYNC, handler: Handler | (() => void)): () => void {
    let set = handlers.get(type);
    if (set === undefined) {
      set = new Set();
      handlers.set(type, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  },
};

/** Calls `handler` for each fleet event of the given types (and on resync with no event). */
export function useFleetEvents(types: readonly FleetType[], handler: (event: FleetStreamEvent | undefined) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const offs = [...types, RESYNC].map((type) => fleetFeed.on(type as FleetType, (event?: FleetStreamEvent) => latest.current(event)));
    return () => {
      for (const off of offs) off();
    };
  }, [types.join(",")]);
}

/** The connection state of a stream, for the indicator. */
export function useConnection(source: LiveStream | undefined): ConnectionStatus | undefined {
  const [status, setStatus] = useState<ConnectionStatus | undefined>(source?.connection);
  useEffect(() => (source === undefined ? undefined : source.onStatus(setStatus)), [source]);
  return status;
}
