import { crc32 } from "node:zlib";

/**
 * The framing shared by the journal and the snapshot: after an 8-byte file magic, records of
 *
 *   length  uint32 LE   bytes of payload (at least 1)
 *   crc     uint32 LE   CRC-32 of the length field and the payload
 *   payload length bytes of UTF-8 JSON
 *
 * A record is valid only if its checksum matches, so a record the disk holds only part of is
 * recognised and never half-applied.
 */
export const RECORD_HEADER_BYTES = 8;
export const MAGIC_BYTES = 8;
/** Far above any record the peer writes; a larger length field is damage, not data. */
const MAX_PAYLOAD_BYTES = 1 << 30;

export function encodeRecord(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  if (length === 0) throw new Error("a journal record needs a payload");
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + length);
  record.writeUInt32LE(length, 0);
  record.write(payload, RECORD_HEADER_BYTES, "utf8");
  record.writeUInt32LE(checksumOf(record, length), 4);
  return record;
}

export function magicOf(kind: string): Buffer {
  const magic = Buffer.from(kind, "latin1");
  if (magic.length !== MAGIC_BYTES) throw new Error(`file magic '${kind}' must be ${MAGIC_BYTES} bytes`);
  return magic;
}

export interface ScannedRecord {
  offset: number;
  payload: Buffer;
}

export interface ScanResult {
  records: ScannedRecord[];
  /** Bytes from the start of the file through the last valid record: what a torn tail truncates to. */
  validLength: number;
  /** Why the bytes after `validLength` are not a record, when there are any. */
  tornTail?: string;
}

/** Damage that is not a torn tail: valid records follow it, so dropping it would lose them. */
export class CorruptFileError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${file} is damaged at byte offset ${offset}: ${detail}`);
    this.name = "CorruptFileError";
  }
}

/**
 * Reads every record after the magic. The last write before a crash may have reached the disk only
 * in part: a record that is incomplete or fails its checksum, with no valid record anywhere after
 * it, is that write; it is reported as `tornTail` and not returned. Damage with a valid record
 * after it is a CorruptFileError naming the offset: dropping it would drop acknowledged records.
 */
export function scanRecords(bytes: Buffer, file: string): ScanResult {
  const records: ScannedRecord[] = [];
  let offset = MAGIC_BYTES;
  while (offset < bytes.length) {
    const problem = problemAt(bytes, offset);
    if (problem !== undefined) {
      const next = nextValidRecord(bytes, offset + 1);
      if (next !== undefined) throw new CorruptFileError(file, offset, `${problem}, and a valid record follows at byte offset ${next}`);
      return { records, validLength: offset, tornTail: `${problem} at byte offset ${offset}` };
    }
    const length = bytes.readUInt32LE(offset);
    records.push({ offset, payload: bytes.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length) });
    offset += RECORD_HEADER_BYTES + length;
  }
  return { records, validLength: offset };
}

/** Why the bytes at `offset` are not a valid record, or undefined when they are one. */
function problemAt(bytes: Buffer, offset: number): string | undefined {
  if (bytes.length - offset < RECORD_HEADER_BYTES) return "incomplete record header";
  const length = bytes.readUInt32LE(offset);
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return `impossible record length ${length}`;
  const present = bytes.length - offset - RECORD_HEADER_BYTES;
  if (length > present) return `incomplete record (${length} bytes announced, ${present} present)`;
  const record = bytes.subarray(offset, offset + RECORD_HEADER_BYTES + length);
  return record.readUInt32LE(4) === checksumOf(record, length) ? undefined : "checksum mismatch";
}

function nextValidRecord(bytes: Buffer, from: number): number | undefined {
  for (let offset = from; offset + RECORD_HEADER_BYTES < bytes.length; offset++) {
    if (problemAt(bytes, offset) === undefined) return offset;
  }
  return undefined;
}

function checksumOf(record: Buffer, length: number): number {
  return crc32(record.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + length), crc32(record.subarray(0, 4)));
}
