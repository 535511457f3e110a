import { mkdir, rm } from "node:fs/promises";
import { stateAsOps } from "./apply-op.js";
import type { PackageAccount } from "./cosmosdb-server-internals.js";
import { lockDataDirectory } from "./data-directory-lock.js";
import { JournalFile, listJournals, syncDirectory } from "./journal-file.js";
import { type JournalStats, JournalWriter } from "./journal-writer.js";
import { watchAccount } from "./mutation-hooks.js";
import { replayDataDirectory } from "./replay.js";
import { writeSnapshot } from "./snapshot-file.js";

/** Journal size past which the state is compacted into a snapshot and a new journal begins. */
export const DEFAULT_COMPACT_AT_BYTES = 64 * 1024 * 1024;

export interface DataDirectoryOptions {
  dir: string;
  /** A fresh account: the data directory restores into it, then journals every change to it. */
  account: PackageAccount;
  compactAtBytes?: number;
  /** The journal failed (a write, an fsync, a compaction): the peer must stop serving. */
  onFailure?: (error: Error) => void;
}

export interface DataDirectoryStats extends JournalStats {
  compactions: number;
  journal: string;
  journalBytes: number;
}

export interface DataDirectory {
  journal: JournalWriter<JournalFile>;
  restored: { documents: number; opsReplayed: number; lastSeq: number; snapshotSeq: number; droppedTail?: string };
  stats(): DataDirectoryStats;
  /** Writes what is pending, waits for a running compaction, closes the files, releases the lock. */
  close(): Promise<void>;
}

/**
 * The peer's state on disk: `snapshot.dat` (the state as of some op) and `journal-NNNNNNNN.log`
 * files (every op since, group-committed), in one directory claimed with a `LOCK` file.
 *
 * Compaction: once the current journal passes `compactAtBytes` (checked after each write), a new
 * journal is created and synced, then in one synchronous step the state is captured and appends
 * move to the new journal, so the captured state holds exactly the ops numbered up to that point.
 * The snapshot of it is written in the background (temporary file, fsync, rename, directory
 * fsync); only then are the older journals deleted. A crash at any point leaves either the old
 * snapshot with every journal, or the new snapshot with journals whose older ops it skips.
 */
export async function openDataDirectory(options: DataDirectoryOptions): Promise<DataDirectory> {
  const { dir, account } = options;
  const compactAtBytes = options.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES;
  await mkdir(dir, { recursive: true });
  const release = lockDataDirectory(dir);
  try {
    const replay = await replayDataDirectory(dir, account);
    const last = replay.journals.at(-1);
    let removed = false;
    for (const journal of replay.journals) {
      if (journal !== last && journal.lastSeq <= replay.snapshotSeq) {
        await rm(journal.path);
        removed = true;
      }
    }
    if (removed) await syncDirectory(dir);
    const file = last === undefined ? await JournalFile.create(dir, 1) : await JournalFile.reopen(last.path, last.generation, last.validLength);

    let compactions = 0;
    let compacting: Promise<void> | undefined;
    const compactIfDue = async (): Promise<void> => {
      if (compacting !== undefined || journal.currentFile.size < compactAtBytes) return;
      const next = await JournalFile.create(dir, journal.currentFile.generation + 1);
      // One synchronous step: the captured state is exactly ops 1..seq, and op seq + 1 onwards go
      // to the new journal.
      const seq = journal.lastSeq;
      const ops = [...stateAsOps(account)];
      const previous = journal.switchTo(next);
      compactions++;
      await previous.close();
      compacting = (async () => {
        await writeSnapshot(dir, seq, ops);
        for (const old of await listJournals(dir)) if (old.generation < next.generation) await rm(old.path);
        await syncDirectory(dir);
      })()
        .catch((error: unknown) => {
          journal.fail(new Error(`compacting the Cosmos peer's data directory ${dir} failed: ${(error as Error).message}`, { cause: error }));
        })
        .finally(() => {
          compacting = undefined;
        });
    };

    const journal = new JournalWriter(file, replay.lastSeq, {
      afterWrite: compactIfDue,
      ...(options.onFailure === undefined ? {} : { onFailure: options.onFailure }),
    });
    watchAccount(account, (op) => journal.append(op));

    let documents = 0;
    for (const op of stateAsOps(account)) if (op.op === "put-document") documents++;
    let closing: Promise<void> | undefined;
    return {
      journal,
      restored: {
        documents,
        opsReplayed: replay.opsReplayed,
        lastSeq: replay.lastSeq,
        snapshotSeq: replay.snapshotSeq,
        ...(replay.droppedTail === undefined ? {} : { droppedTail: replay.droppedTail }),
      },
      stats: () => ({ ...journal.stats(), compactions, journal: journal.currentFile.path, journalBytes: journal.currentFile.size }),
      close() {
        closing ??= (async () => {
          try {
            await journal.drain().catch(() => {});
            while (compacting !== undefined) await compacting;
            await journal.currentFile.close();
          } finally {
            release();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
