// RecordIO, the framing of Mesos's streaming HTTP responses: each record is its length in
// ASCII decimal, a newline, then exactly that many bytes (a JSON document or a protobuf).

export function encodeRecord(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

/**
 * A text record as one string, for writers that take strings (an HTTP response, a socket): the
 * socket encodes it straight into its send buffer, where encodeRecord would make three Buffers.
 */
export function encodeTextRecord(payload: string): string {
  return `${Buffer.byteLength(payload)}\n${payload}`;
}

export class RecordIOError extends Error {}

/** Incremental decoder: feed it chunks as they arrive, get whole records back. */
export class RecordIODecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private expected = -1;
  private readonly maxRecordBytes: number;

  constructor(maxRecordBytes = 256 * 1024 * 1024) {
    this.maxRecordBytes = maxRecordBytes;
  }

  decode(chunk: Uint8Array): Buffer[] {
    this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.pendingBytes += chunk.byteLength;
    // A record arriving in many chunks is joined once, when it is whole (joining on every chunk
    // copies a large record over and over).
    if (this.expected >= 0 && this.pendingBytes < this.expected) return [];
    const records: Buffer[] = [];
    let buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    let offset = 0;
    for (;;) {
      if (this.expected < 0) {
        const nl = buf.indexOf(10, offset);
        if (nl < 0) {
          if (buf.length - offset > 20) throw new RecordIOError('RecordIO length prefix is longer than 20 bytes');
          break;
        }
        const header = buf.toString('latin1', offset, nl);
        if (!/^\d+$/.test(header)) throw new RecordIOError(`RecordIO length prefix '${header.slice(0, 20)}' is not a decimal number`);
        const length = Number(header);
        if (length > this.maxRecordBytes)
          throw new RecordIOError(`RecordIO record of ${length} bytes exceeds the limit of ${this.maxRecordBytes}`);
        this.expected = length;
        offset = nl + 1;
      }
      if (buf.length - offset < this.expected) break;
      records.push(buf.subarray(offset, offset + this.expected));
      offset += this.expected;
      this.expected = -1;
    }
    buf = buf.subarray(offset);
    this.pending = buf.length > 0 ? [buf] : [];
    this.pendingBytes = buf.length;
    return records;
  }

  /** True when no partial record is buffered (a clean end of stream). */
  get idle(): boolean {
    return this.pendingBytes === 0 && this.expected < 0;
  }
}
