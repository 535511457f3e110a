import { randomBytes } from "node:crypto";
import type { FleetStreamEvent } from "../../contracts/event-stream.js";

/** A fleet event as kept in memory: what filters and scope checks need, beside the payload. */
export interface FleetRecord {
  /** `<boot>-<n>`: n grows by one per event in this process. */
  id: string;
  n: number;
  event: FleetStreamEvent;
  /** Undefined for events every operator may see (pool scale). */
  productId?: string;
  pool?: string;
  jobId?: string;
  stage?: string;
}

/**
 * The last `capacity` fleet events of this process, each with an id that names the process (a
 * random boot id) and its position. A client that reconnects with the id of the last event it saw
 * gets exactly the later ones, or is told to reload when this process cannot know what it missed.
 */
export class FleetEventRing {
  readonly boot = randomBytes(4).toString("hex");
  private readonly records: (FleetRecord | undefined)[];
  private next = 1;

  constructor(private readonly capacity: number) {
    this.records = new Array(capacity);
  }

  append(record: Omit<FleetRecord, "id" | "n">): FleetRecord {
    const n = this.next++;
    const stored: FleetRecord = { ...record, id: `${this.boot}-${n}`, n };
    this.records[n % this.capacity] = stored;
    return stored;
  }

  /** Every held event after `lastEventId`, oldest first; undefined when they cannot all be given. */
  after(lastEventId: string): FleetRecord[] | undefined {
    const match = /^([0-9a-f]+)-(\d+)$/.exec(lastEventId);
    if (match === null || match[1] !== this.boot) return undefined;
    const seen = Number(match[2]);
    if (seen >= this.next) return undefined;
    const oldest = Math.max(1, this.next - this.capacity);
    if (seen + 1 < oldest) return undefined;
    const out: FleetRecord[] = [];
    for (let n = seen + 1; n < this.next; n++) out.push(this.records[n % this.capacity]!);
    return out;
  }

  /** The id of the newest event (or `<boot>-0` before the first). */
  get lastId(): string {
    return `${this.boot}-${this.next - 1}`;
  }
}
