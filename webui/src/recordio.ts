// RecordIO, the framing of the master's event streams: each record is its length in bytes (as
// decimal digits), a newline, then that many bytes. Chunks from the network split records
// anywhere, in the middle of a UTF-8 character too, so the decoder works on bytes.

export class RecordIODecoder {
  private buffer = new Uint8Array(0);
  private readonly text = new TextDecoder();

  /** The records completed by `chunk`, as text. Throws on a malformed length. */
  push(chunk: Uint8Array): string[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const records: string[] = [];
    let at = 0;
    for (;;) {
      const newline = joined.indexOf(0x0a, at);
      if (newline < 0) {
        if (joined.length - at > 20) throw new Error('malformed RecordIO stream: no record length in 20 bytes');
        break;
      }
      const digits = this.text.decode(joined.subarray(at, newline));
      if (!/^\d{1,15}$/.test(digits)) throw new Error(`malformed RecordIO stream: record length '${digits.slice(0, 20)}'`);
      const end = newline + 1 + Number(digits);
      if (end > joined.length) break;
      records.push(this.text.decode(joined.subarray(newline + 1, end)));
      at = end;
    }
    this.buffer = joined.slice(at);
    return records;
  }
}
