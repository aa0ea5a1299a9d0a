/**
 * A reader of the commonest envelope, straight from its bytes: a v1 transaction whose every
 * operation is a payment between plain (not muxed) accounts, with no preconditions beyond time
 * bounds. It gives the source and the operations as `decodeTxFrame` does (the same `Operation`
 * values, the same account strings through `accountIdFromRaw`) without building js-xdr's objects,
 * for work that only reads a closed ledger's payments (the stream feed's records, formatted
 * beside the close). Anything else, or bytes that do not parse, answer undefined: the caller
 * then takes the general path. It checks no signature and computes no hash.
 */
import type {AccountId} from "../ledger/types.js";
import type {Asset, Operation} from "./types.js";
import {accountIdFromRaw} from "./keys.js";

const ENVELOPE_TYPE_TX = 2;
const KEY_TYPE_ED25519 = 0;
const PRECOND_NONE = 0;
const PRECOND_TIME = 1;
const OP_PAYMENT = 1;
const ASSET_NATIVE = 0;
const ASSET_ALPHANUM4 = 1;
const ASSET_ALPHANUM12 = 2;
/** Stellar's MAX_OPS_PER_TX. */
const MAX_OPS = 100;
/** A memo text is an XDR string of at most 28 bytes. */
const MEMO_TEXT_MAX = 28;

/** What `scanPaymentTx` reads of a transaction. */
export interface PaymentTx {
  sourceAccount: AccountId;
  operations: Operation[];
}

/** Thrown inside the scan when the bytes are not of the shape it reads; caught by `scanPaymentTx`. */
class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

class Reader {
  at = 0;
  constructor(private readonly b: Buffer) {}

  need(n: number): void {
    if (this.at + n > this.b.length) throw NOT_PLAIN;
  }

  u32(): number {
    this.need(4);
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.at += n;
  }

  /** An ed25519 key's 32 bytes as its strkey. */
  key(): AccountId {
    this.need(32);
    const id = accountIdFromRaw(this.b.subarray(this.at, this.at + 32));
    this.at += 32;
    return id;
  }

  /** A MuxedAccount that is a plain ed25519 key (a muxed one is not read here). */
  plainAccount(): AccountId {
    if (this.u32() !== KEY_TYPE_ED25519) throw NOT_PLAIN;
    return this.key();
  }

  /** An asset code of `n` bytes without its zero padding, as tx/frame.ts's trimCode reads it. */
  code(n: number): string {
    this.need(n);
    let end = this.at + n;
    while (end > this.at && this.b[end - 1] === 0) end--;
    const code = this.b.toString("latin1", this.at, end);
    this.at += n;
    return code;
  }

  asset(): Asset {
    switch (this.u32()) {
      case ASSET_NATIVE:
        return {type: "native"};
      case ASSET_ALPHANUM4: {
        const code = this.code(4);
        return {type: "credit_alphanum4", code, issuer: this.plainAccount()};
      }
      case ASSET_ALPHANUM12: {
        const code = this.code(12);
        return {type: "credit_alphanum12", code, issuer: this.plainAccount()};
      }
      default:
        throw NOT_PLAIN;
    }
  }

  i64(): bigint {
    this.need(8);
    const v = this.b.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }
}

function readPaymentTx(r: Reader): PaymentTx {
  if (r.u32() !== ENVELOPE_TYPE_TX) throw NOT_PLAIN;
  const sourceAccount = r.plainAccount();
  r.skip(4 + 8); // fee, sequence number
  const cond = r.u32();
  if (cond === PRECOND_TIME) r.skip(16);
  else if (cond !== PRECOND_NONE) throw NOT_PLAIN;
  switch (r.u32()) {
    case 0: // MEMO_NONE
      break;
    case 1: {
      // MEMO_TEXT
      const len = r.u32();
      if (len > MEMO_TEXT_MAX) throw NOT_PLAIN;
      r.skip((len + 3) & ~3);
      break;
    }
    case 2: // MEMO_ID
      r.skip(8);
      break;
    case 3: // MEMO_HASH
    case 4: // MEMO_RETURN
      r.skip(32);
      break;
    default:
      throw NOT_PLAIN;
  }
  const count = r.u32();
  if (count < 1 || count > MAX_OPS) throw NOT_PLAIN;
  const operations: Operation[] = [];
  for (let i = 0; i < count; i++) {
    const hasSource = r.u32();
    if (hasSource > 1) throw NOT_PLAIN;
    const source = hasSource === 1 ? r.plainAccount() : null;
    if (r.u32() !== OP_PAYMENT) throw NOT_PLAIN;
    const destination = r.plainAccount();
    const asset = r.asset();
    const amount = r.i64();
    operations.push({source, type: "payment", destination, asset, amount});
  }
  // The transaction's extension: 0 (a Soroban tx's 1 is not read here).
  if (r.u32() !== 0) throw NOT_PLAIN;
  return {sourceAccount, operations};
}

/** The source and the payments of a plain all-payment v1 envelope; undefined for any other envelope. */
export function scanPaymentTx(envelope: Buffer): PaymentTx | undefined {
  try {
    return readPaymentTx(new Reader(envelope));
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    throw e;
  }
}
