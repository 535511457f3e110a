import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { syncDirectory } from "./journal-file.js";
import type { JournalOp } from "./journal-op.js";
import { CorruptFileError, encodeRecord, MAGIC_BYTES, magicOf, scanRecords } from "./record-codec.js";

export const SNAPSHOT_FILE = "snapshot.dat";
const TEMPORARY_FILE = `${SNAPSHOT_FILE}.tmp`;
const SNAPSHOT_MAGIC = magicOf("CDBSNAP1");
/** Ops per record: records stay around a megabyte for 1 KB documents. */
const OPS_PER_RECORD = 1000;

export interface Snapshot {
  /** The state includes every journalled op up to this sequence number, and none after it. */
  seq: number;
  ops: JournalOp[];
}

/**
 * Writes the state as of op `seq` so that `snapshot.dat` is always either the previous complete
 * snapshot or this complete one: the records go to a temporary file, which is fsynced, renamed
 * over `snapshot.dat`, and the directory fsynced. Layout: the magic, a header record
 * `{ snapshot: 1, seq, ops }`, records of `{ ops: [...] }`, an end record `{ end: ops }`.
 * Ops are serialised a record at a time, yielding in between, so a large state does not hold the
 * event loop; the ops must not change meanwhile (stored bodies are never modified in place).
 */
export async function writeSnapshot(dir: string, seq: number, ops: readonly JournalOp[]): Promise<void> {
  const temporary = join(dir, TEMPORARY_FILE);
  const handle = await open(temporary, "w");
  try {
    let position = 0;
    const write = async (bytes: Buffer) => {
      let written = 0;
      while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, position + written)).bytesWritten;
      position += bytes.length;
    };
    await write(SNAPSHOT_MAGIC);
    await write(encodeRecord(JSON.stringify({ snapshot: 1, seq, ops: ops.length })));
    for (let start = 0; start < ops.length; start += OPS_PER_RECORD) {
      const chunk = ops.slice(start, start + OPS_PER_RECORD).map((op) => JSON.stringify(op));
      await write(encodeRecord(`{"ops":[${chunk.join(",")}]}`));
    }
    await write(encodeRecord(JSON.stringify({ end: ops.length })));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(dir, SNAPSHOT_FILE));
  await syncDirectory(dir);
}

/** The snapshot in `dir`, or undefined when there is none. Any damage is an error: a snapshot is
 * complete and fsynced before it gets its name, so unlike the journal it has no torn tail. */
export async function readSnapshot(dir: string): Promise<Snapshot | undefined> {
  await rm(join(dir, TEMPORARY_FILE), { force: true });
  const path = join(dir, SNAPSHOT_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (bytes.length < MAGIC_BYTES || !bytes.subarray(0, MAGIC_BYTES).equals(SNAPSHOT_MAGIC)) {
    throw new CorruptFileError(path, 0, "it does not start with the snapshot magic");
  }
  const { records, tornTail } = scanRecords(bytes, path);
  if (tornTail !== undefined) throw new CorruptFileError(path, 0, `the snapshot is incomplete (${tornTail})`);
  const [header, ...rest] = records;
  const end = rest.pop();
  if (header === undefined || end === undefined) throw new CorruptFileError(path, MAGIC_BYTES, "the snapshot lacks its header or end record");
  const { seq, ops: count } = JSON.parse(header.payload.toString("utf8")) as { seq: number; ops: number };
  const ops: JournalOp[] = [];
  for (const record of rest) ops.push(...(JSON.parse(record.payload.toString("utf8")) as { ops: JournalOp[] }).ops);
  const { end: endCount } = JSON.parse(end.payload.toString("utf8")) as { end?: number };
  if (endCount !== count || ops.length !== count) {
    throw new CorruptFileError(path, end.offset, `the snapshot announces ${count} ops, ends after ${endCount} and holds ${ops.length}`);
  }
  return { seq, ops };
}
