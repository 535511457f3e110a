import { describe, expect, it } from "vitest";
import { CorruptFileError, encodeRecord, MAGIC_BYTES, magicOf, RECORD_HEADER_BYTES, scanRecords } from "./record-codec.js";

const MAGIC = magicOf("TESTMAG1");

function fileOf(...payloads: string[]): Buffer {
  return Buffer.concat([MAGIC, ...payloads.map((payload) => encodeRecord(payload))]);
}

function flipBit(bytes: Buffer, offset: number): void {
  bytes.writeUInt8(bytes.readUInt8(offset) ^ 0x20, offset);
}

const texts = (bytes: Buffer) => scanRecords(bytes, "journal.log").records.map((record) => record.payload.toString("utf8"));

describe("journal records: length, checksum, payload", () => {
  it("reads back every record, in order, with its offset", () => {
    const bytes = fileOf('{"a":1}', '{"b":"two"}', '{"c":"é ü"}');
    const scan = scanRecords(bytes, "journal.log");
    expect(scan.records.map((record) => record.payload.toString("utf8"))).toEqual(['{"a":1}', '{"b":"two"}', '{"c":"é ü"}']);
    expect(scan.records[0]?.offset).toBe(MAGIC_BYTES);
    expect(scan.records[1]?.offset).toBe(MAGIC_BYTES + RECORD_HEADER_BYTES + 7);
    expect(scan.validLength).toBe(bytes.length);
    expect(scan.tornTail).toBeUndefined();
  });

  it("drops a last record cut at any byte, and only that record", () => {
    const whole = fileOf('{"first":true}', '{"second":true}', '{"last":"a record the crash interrupted"}');
    const lastStart = whole.length - encodeRecord('{"last":"a record the crash interrupted"}').length;
    for (let cut = lastStart + 1; cut < whole.length; cut++) {
      const scan = scanRecords(whole.subarray(0, cut), "journal.log");
      expect(scan.records.map((record) => record.payload.toString("utf8"))).toEqual(['{"first":true}', '{"second":true}']);
      expect(scan.validLength).toBe(lastStart);
      expect(scan.tornTail).toMatch(/incomplete record/);
    }
  });

  it("drops a complete last record whose bytes do not match its checksum", () => {
    const bytes = fileOf('{"kept":1}', '{"damaged":2}');
    flipBit(bytes, bytes.length - 3);
    const scan = scanRecords(bytes, "journal.log");
    expect(texts(bytes.subarray(0, scan.validLength))).toEqual(['{"kept":1}']);
    expect(scan.tornTail).toMatch(/checksum mismatch at byte offset \d+/);
  });

  it("treats zeros after the last record (a file extended but never written) as a torn tail", () => {
    const bytes = Buffer.concat([fileOf('{"kept":1}'), Buffer.alloc(4096)]);
    const scan = scanRecords(bytes, "journal.log");
    expect(scan.records).toHaveLength(1);
    expect(scan.validLength).toBe(bytes.length - 4096);
    expect(scan.tornTail).toMatch(/impossible record length 0/);
  });

  it("refuses damage in the middle, naming the file and the offset, instead of dropping what follows", () => {
    const bytes = fileOf('{"one":1}', '{"two":2}', '{"three":3}');
    const second = MAGIC_BYTES + RECORD_HEADER_BYTES + 9;
    flipBit(bytes, second + RECORD_HEADER_BYTES + 2);
    const error = (() => {
      try {
        scanRecords(bytes, "/data/journal-00000001.log");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CorruptFileError).offset).toBe(second);
    expect((error as Error).message).toContain(`/data/journal-00000001.log is damaged at byte offset ${second}`);
    expect((error as Error).message).toContain("a valid record follows");
  });

  it("refuses a damaged length field with valid records after it", () => {
    const bytes = fileOf('{"one":1}', '{"two":2}', '{"three":3}');
    bytes.writeUInt32LE(0xfff0, MAGIC_BYTES);
    expect(() => scanRecords(bytes, "journal.log")).toThrow(CorruptFileError);
  });

  it("never encodes an empty payload, which zeros on disk would imitate", () => {
    expect(() => encodeRecord("")).toThrow(/payload/);
  });
});
