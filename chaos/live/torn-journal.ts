import { appendFile, readFile } from "node:fs/promises";
import { listJournals } from "../../peers/cosmos/journal-file.js";
import { encodeRecord, scanRecords } from "../../peers/cosmos/record-codec.js";

/** The id of the job a torn record would create if it were (wrongly) applied at replay. */
export const TORN_PROBE_JOB_ID = "torn-write-probe";

/**
 * What a crash in the middle of a journal write leaves on disk, made on purpose while the store
 * process is dead: the first half of one more record after the last one. The record is a real
 * group commit (the next sequence number, a put of a job document no client submitted), so a peer
 * that half-applied a torn record would show a job the history checker calls invented. Its reply
 * never left the peer, so nothing acknowledged depends on it. Returns the bytes appended.
 */
export async function tearJournal(dataDir: string): Promise<{ journal: string; bytes: number }> {
  const journals = await listJournals(dataDir);
  const last = journals.at(-1);
  if (last === undefined) throw new Error(`no journal in ${dataDir} to tear`);
  const scanned = scanRecords(await readFile(last.path), last.path);
  const tail = scanned.records.at(-1);
  if (tail === undefined) throw new Error(`${last.path} holds no record yet; tear it after the workload wrote`);
  const commit = JSON.parse(tail.payload.toString("utf8")) as { seq: number; ops: { op: string; container?: string; doc?: Record<string, unknown> }[] };
  const jobPut = [...commit.ops].reverse().find((op) => op.op === "put-document" && op.container === "jobs");
  const ops = jobPut === undefined ? commit.ops.slice(0, 1) : [{ ...jobPut, doc: { ...jobPut.doc, id: TORN_PROBE_JOB_ID, idempotencyKey: TORN_PROBE_JOB_ID } }];
  const record = encodeRecord(JSON.stringify({ seq: commit.seq + commit.ops.length, ops }));
  const torn = record.subarray(0, Math.max(9, Math.floor(record.length / 2)));
  await appendFile(last.path, torn);
  return { journal: last.path, bytes: torn.length };
}
