import { readFile } from "node:fs/promises";
import { applyOp } from "./apply-op.js";
import type { PackageAccount } from "./cosmosdb-server-internals.js";
import { JOURNAL_MAGIC, listJournals } from "./journal-file.js";
import type { JournalOp } from "./journal-op.js";
import { CorruptFileError, MAGIC_BYTES, scanRecords } from "./record-codec.js";
import { readSnapshot, SNAPSHOT_FILE } from "./snapshot-file.js";

export interface ReplayedJournal {
  generation: number;
  path: string;
  /** Bytes that hold valid records (the magic included); appends continue from here. */
  validLength: number;
  /** The last op sequence number the file holds (0 when it holds none). */
  lastSeq: number;
}

export interface ReplayResult {
  /** The last op applied: the snapshot's or the journals'. */
  lastSeq: number;
  snapshotSeq: number;
  journals: ReplayedJournal[];
  /** What was dropped from the end of the last journal: the record a crash cut short. */
  droppedTail?: string;
  opsReplayed: number;
}

/**
 * Rebuilds the account from `dir`: the snapshot (if any), then every journal oldest first,
 * skipping the ops the snapshot already holds. Ops are numbered without gaps across files, so a
 * missing or repeated stretch is detected. Only the last journal may end in a torn record (the
 * write a crash interrupted, never acknowledged); it is dropped, not applied. Anything else that
 * does not read back is an error naming the file and offset.
 */
export async function replayDataDirectory(dir: string, account: PackageAccount): Promise<ReplayResult> {
  const snapshot = await readSnapshot(dir);
  if (snapshot !== undefined) {
    for (const op of snapshot.ops) {
      try {
        applyOp(account, op);
      } catch (error) {
        throw new CorruptFileError(`${dir}/${SNAPSHOT_FILE}`, 0, `an op of the snapshot does not apply: ${(error as Error).message}`);
      }
    }
  }
  const snapshotSeq = snapshot?.seq ?? 0;
  let lastSeq = snapshotSeq;
  let opsReplayed = 0;
  let droppedTail: string | undefined;
  const journals: ReplayedJournal[] = [];
  const files = await listJournals(dir);
  for (const [index, { generation, path }] of files.entries()) {
    const isLast = index === files.length - 1;
    const bytes = await readFile(path);
    if (bytes.length < MAGIC_BYTES || !bytes.subarray(0, MAGIC_BYTES).equals(JOURNAL_MAGIC)) {
      // A crash right after the file was created can leave it shorter than its magic, or zeros.
      if (isLast && bytes.every((byte) => byte === 0) && bytes.length <= MAGIC_BYTES) {
        journals.push({ generation, path, validLength: 0, lastSeq: 0 });
        continue;
      }
      throw new CorruptFileError(path, 0, "it does not start with the journal magic");
    }
    const scan = scanRecords(bytes, path);
    if (scan.tornTail !== undefined && !isLast) {
      throw new CorruptFileError(path, scan.validLength, `${scan.tornTail}, in a journal that is not the last one (${files.at(-1)?.path} follows it)`);
    }
    if (scan.tornTail !== undefined) droppedTail = `${path}: ${scan.tornTail}`;
    let fileLastSeq = 0;
    for (const { offset, payload } of scan.records) {
      const { seq: first, ops } = parseRecord(payload, path, offset);
      for (const [i, op] of ops.entries()) {
        const seq = first + i;
        fileLastSeq = seq;
        if (seq <= snapshotSeq) continue;
        if (seq !== lastSeq + 1) {
          throw new CorruptFileError(path, offset, `op ${seq} follows op ${lastSeq}: ${seq <= lastSeq ? "ops repeat" : "ops are missing"} between the files of ${dir}`);
        }
        try {
          applyOp(account, op);
        } catch (error) {
          throw new CorruptFileError(path, offset, `op ${seq} does not apply: ${(error as Error).message}`);
        }
        lastSeq = seq;
        opsReplayed++;
      }
    }
    journals.push({ generation, path, validLength: scan.validLength, lastSeq: fileLastSeq });
  }
  return { lastSeq, snapshotSeq, journals, opsReplayed, ...(droppedTail === undefined ? {} : { droppedTail }) };
}

function parseRecord(payload: Buffer, path: string, offset: number): { seq: number; ops: JournalOp[] } {
  try {
    const record = JSON.parse(payload.toString("utf8")) as { seq?: unknown; ops?: unknown };
    if (typeof record.seq === "number" && Array.isArray(record.ops)) return record as { seq: number; ops: JournalOp[] };
  } catch {
    // Reported below: a record whose checksum matches but whose payload is not a journal record.
  }
  throw new CorruptFileError(path, offset, "the record passes its checksum but is not a journal record");
}
