import { type FileHandle, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { magicOf } from "./record-codec.js";

export const JOURNAL_MAGIC = magicOf("CDBJRNL1");
const NAME = /^journal-(\d{8})\.log$/;

export function journalName(generation: number): string {
  return `journal-${String(generation).padStart(8, "0")}.log`;
}

/** The journals in `dir`, oldest generation first. */
export async function listJournals(dir: string): Promise<{ generation: number; path: string }[]> {
  const found: { generation: number; path: string }[] = [];
  for (const name of await readdir(dir)) {
    const match = NAME.exec(name);
    if (match !== null) found.push({ generation: Number(match[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => a.generation - b.generation);
}

/**
 * Makes renames, creations and deletions in `dir` durable: on Linux a file's directory entry is
 * only on disk once the directory itself has been synced.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One journal file open for appending. `append` returns once the bytes are on disk (fdatasync). */
export class JournalFile {
  private constructor(
    readonly path: string,
    readonly generation: number,
    private readonly handle: FileHandle,
    private bytes: number,
  ) {}

  /** A new, empty journal (magic only), durable with its directory entry before it is used. */
  static async create(dir: string, generation: number): Promise<JournalFile> {
    const path = join(dir, journalName(generation));
    const handle = await open(path, "wx");
    try {
      await writeFully(handle, JOURNAL_MAGIC);
      await handle.datasync();
      await syncDirectory(dir);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new JournalFile(path, generation, handle, JOURNAL_MAGIC.length);
  }

  /** An existing journal whose first `size` bytes were replayed; new records go after them. */
  static async reopen(path: string, generation: number, size: number): Promise<JournalFile> {
    const handle = await open(path, "r+");
    try {
      const { size: onDisk } = await handle.stat();
      // A torn last record (or a magic the crash cut short) is cut off, so appends start on a
      // record boundary; the truncation is synced before anything is appended after it.
      if (onDisk !== size || size < JOURNAL_MAGIC.length) {
        await handle.truncate(size);
        if (size < JOURNAL_MAGIC.length) {
          await handle.truncate(0);
          await handle.write(JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
          size = JOURNAL_MAGIC.length;
        }
        await handle.datasync();
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new JournalFile(path, generation, handle, size);
  }

  get size(): number {
    return this.bytes;
  }

  async append(record: Buffer): Promise<void> {
    let written = 0;
    while (written < record.length) {
      const { bytesWritten } = await this.handle.write(record, written, record.length - written, this.bytes + written);
      written += bytesWritten;
    }
    this.bytes += record.length;
    await this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written, written)).bytesWritten;
}
