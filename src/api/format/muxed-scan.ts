/**
 * Whether a transaction envelope may name a muxed (M…) account, read from its XDR bytes without
 * decoding it. Horizon's *_muxed fields need the decoded envelope, but almost every envelope has
 * none, and the tag search the formatters used before (KEY_TYPE_MUXED_ED25519 as 00 00 01 00
 * anywhere) matches nearly every one-operation envelope: the operation count 1 followed by the
 * absent-source flag 0 is 00 00 00 01 00 00 00 00. Each formatted payment then decoded its whole
 * envelope with the XDR library for nothing.
 *
 * The walk reads every MuxedAccount an operation or transaction record formats: the transaction
 * and fee-bump sources, each operation's source, and the muxed fields of the operation kinds that
 * have one (payment, both path payments, account merge, clawback). It answers false only when it
 * read all of them and none is muxed; anything it does not know how to step over (another
 * operation kind, v2 preconditions, a short buffer) answers true, and the caller decodes as before.
 */

/** KEY_TYPE_ED25519 / KEY_TYPE_MUXED_ED25519 (CryptoKeyType). */
const KEY_ED25519 = 0;
const KEY_MUXED_ED25519 = 0x100;

const ENVELOPE_TX_V0 = 0;
const ENVELOPE_TX = 2;
const ENVELOPE_TX_FEE_BUMP = 5;

/** The walk met something it cannot step over: the caller must decode. */
class Unknown extends Error {}

class Cursor {
  at = 0;
  constructor(private readonly b: Buffer) {}

  u32(): number {
    if (this.at + 4 > this.b.length) throw new Unknown();
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  skip(n: number): void {
    if (this.at + n > this.b.length) throw new Unknown();
    this.at += n;
  }

  /** A MuxedAccount: true when it is a muxed one. */
  muxed(): boolean {
    const type = this.u32();
    if (type === KEY_ED25519) {
      this.skip(32);
      return false;
    }
    if (type === KEY_MUXED_ED25519) return true;
    throw new Unknown();
  }

  /** An Asset (native, alphanum4, alphanum12). */
  asset(): void {
    const type = this.u32();
    if (type === 0) return;
    if (type !== 1 && type !== 2) throw new Unknown();
    this.skip(type === 1 ? 4 : 12);
    this.accountId();
  }

  /** An AccountID (PublicKey: ed25519 only). */
  accountId(): void {
    if (this.u32() !== 0) throw new Unknown();
    this.skip(32);
  }

  /** Asset path<5>. */
  path(): void {
    const n = this.u32();
    if (n > 5) throw new Unknown();
    for (let i = 0; i < n; i++) this.asset();
  }
}

/** Reads a Transaction up to the end of its operations; true at the first muxed account. */
function transactionHasMuxed(c: Cursor): boolean {
  if (c.muxed()) return true;
  c.skip(4 + 8); // fee, seqNum
  const cond = c.u32();
  if (cond === 1) c.skip(16);
  else if (cond !== 0) throw new Unknown();
  const memo = c.u32();
  if (memo === 1) {
    const len = c.u32();
    if (len > 28) throw new Unknown();
    c.skip((len + 3) & ~3);
  } else if (memo === 2) c.skip(8);
  else if (memo === 3 || memo === 4) c.skip(32);
  else if (memo !== 0) throw new Unknown();
  const ops = c.u32();
  if (ops > 100) throw new Unknown();
  for (let i = 0; i < ops; i++) {
    const hasSource = c.u32();
    if (hasSource === 1) {
      if (c.muxed()) return true;
    } else if (hasSource !== 0) throw new Unknown();
    switch (c.u32()) {
      case 0: // create_account: destination, starting balance
        c.accountId();
        c.skip(8);
        break;
      case 1: // payment: destination, asset, amount
        if (c.muxed()) return true;
        c.asset();
        c.skip(8);
        break;
      case 2: // path_payment_strict_receive: send asset, send max, destination, dest asset, dest amount, path
      case 13: // path_payment_strict_send: send asset, send amount, destination, dest asset, dest min, path
        c.asset();
        c.skip(8);
        if (c.muxed()) return true;
        c.asset();
        c.skip(8);
        c.path();
        break;
      case 8: // account_merge: destination
        if (c.muxed()) return true;
        break;
      case 19: // clawback: asset, from, amount
        c.asset();
        if (c.muxed()) return true;
        c.skip(8);
        break;
      default:
        throw new Unknown();
    }
  }
  return false;
}

/**
 * False when the envelope names no muxed account anywhere the formatters read one; true when it
 * does, or may (the caller then decodes the envelope).
 */
export function mayHoldMuxed(raw: Buffer): boolean {
  const c = new Cursor(raw);
  try {
    const type = c.u32();
    // A v0 envelope's source is a bare ed25519 key; the formatters report no muxed field for it.
    if (type === ENVELOPE_TX_V0) return false;
    if (type === ENVELOPE_TX) return transactionHasMuxed(c);
    if (type === ENVELOPE_TX_FEE_BUMP) {
      if (c.muxed()) return true;
      c.skip(8); // fee
      if (c.u32() !== ENVELOPE_TX) throw new Unknown();
      return transactionHasMuxed(c);
    }
    return true;
  } catch (err) {
    if (err instanceof Unknown) return true;
    throw err;
  }
}
