import { Readable } from "node:stream";
import { ArtifactError, type ArtifactListing, type ArtifactRead, type ArtifactStat, type ArtifactStorePort, readAll, type SignedLink } from "../port.js";

interface StoredObject {
  kind: "log" | "file";
  data: Buffer;
  contentType: string;
  modifiedAt: number;
}

export interface MemoryArtifactStoreOptions {
  /** Last-write times come from this clock (a manual one in retention tests). */
  clock?: { now(): number };
  /** Fail every call with "unavailable" while this returns true (an outage in tests). */
  down?: () => boolean;
}

/** The artifact store in memory, for unit tests and the simulator. It cannot sign links. */
export class MemoryArtifactStore implements ArtifactStorePort {
  private readonly objects = new Map<string, StoredObject>();
  private readonly now: () => number;

  constructor(private readonly options: MemoryArtifactStoreOptions = {}) {
    const clock = options.clock;
    this.now = clock === undefined ? () => Date.now() : () => clock.now();
  }

  async init(): Promise<void> {
    this.check();
  }

  async append(key: string, bytes: Buffer, options: { contentType?: string } = {}): Promise<void> {
    this.check();
    const current = this.objects.get(key);
    if (current !== undefined && current.kind !== "log") throw new ArtifactError("conflict", `${key} is a file, not a log: it cannot be appended to`);
    this.objects.set(key, {
      kind: "log",
      data: Buffer.concat([current?.data ?? Buffer.alloc(0), bytes]),
      contentType: current?.contentType ?? options.contentType ?? "text/plain; charset=utf-8",
      modifiedAt: this.now(),
    });
  }

  async put(key: string, body: Buffer | Readable, options: { contentType: string }): Promise<{ bytes: number }> {
    this.check();
    const data = Buffer.isBuffer(body) ? Buffer.from(body) : await readAll(body);
    this.objects.set(key, { kind: "file", data, contentType: options.contentType, modifiedAt: this.now() });
    return { bytes: data.length };
  }

  async read(key: string, options: { offset?: number; length?: number } = {}): Promise<ArtifactRead | undefined> {
    this.check();
    const object = this.objects.get(key);
    if (object === undefined) return undefined;
    const offset = Math.min(options.offset ?? 0, object.data.length);
    const end = options.length === undefined ? object.data.length : Math.min(object.data.length, offset + options.length);
    return { body: Readable.from([object.data.subarray(offset, end)]), offset, ...statOf(object) };
  }

  async stat(key: string): Promise<ArtifactStat | undefined> {
    this.check();
    const object = this.objects.get(key);
    return object === undefined ? undefined : statOf(object);
  }

  async delete(key: string): Promise<boolean> {
    this.check();
    return this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ArtifactListing> {
    this.check();
    for (const [key, object] of [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (key.startsWith(prefix)) yield { key, bytes: object.data.length, modifiedAt: object.modifiedAt };
    }
  }

  async link(): Promise<SignedLink | undefined> {
    this.check();
    return undefined;
  }

  uriOf(key: string): string {
    return `memory:///${key}`;
  }

  private check(): void {
    if (this.options.down?.() === true) throw new ArtifactError("unavailable", "the artifact store is unreachable");
  }
}

function statOf(object: StoredObject): ArtifactStat {
  return { bytes: object.data.length, contentType: object.contentType, modifiedAt: object.modifiedAt };
}
