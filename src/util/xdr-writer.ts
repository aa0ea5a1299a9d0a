/**
 * A growable big-endian XDR writer for the byte paths that skip js-xdr's generic writer (ledger
 * meta, transaction results): fixed-width integers, opaque bytes and variable-length opaques with
 * their padding. It starts in the buffer given (a caller's scratch, reused between calls) or a
 * fresh one, and moves to a larger buffer when a write would not fit.
 */
export class XdrWriter {
  private buf: Buffer;
  private at = 0;

  constructor(buf: Buffer = Buffer.allocUnsafe(1024)) {
    this.buf = buf;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v, this.at);
    this.at += 4;
  }

  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32BE(v, this.at);
    this.at += 4;
  }

  i64(v: bigint): void {
    this.room(8);
    this.buf.writeBigInt64BE(v, this.at);
    this.at += 8;
  }

  u64(v: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64BE(v, this.at);
    this.at += 8;
  }

  /** Bytes as they are: a fixed-length opaque whose length is a multiple of 4 needs no padding. */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** A variable-length string or opaque: length, bytes, zero padding to 4. */
  varBytes(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
    const pad = (4 - (b.length % 4)) % 4;
    this.room(pad);
    this.buf.fill(0, this.at, this.at + pad);
    this.at += pad;
  }

  /** The bytes written, as a view of the writer's buffer (the caller's scratch while it fitted). */
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
