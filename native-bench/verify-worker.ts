/**
 * Piscina entry point for the worker round-trip benchmark: verifies a batch of ed25519
 * signatures with libsodium and returns how many were valid. The batch arrives as one transferred
 * ArrayBuffer of fixed-size items, so posting it costs a pointer move, not a copy.
 */
import sodium from "sodium-native";

/** Item layout: public key (32) ‖ signature (64) ‖ 32-byte message (a tx hash). */
export const ITEM_BYTES = 128;
const PK_BYTES = 32;
const SIG_BYTES = 64;
const MSG_BYTES = 32;

export interface VerifyBatchTask {
  buffer: ArrayBuffer;
  count: number;
}

export default function verifyBatch(task: VerifyBatchTask): number {
  let valid = 0;
  for (let i = 0; i < task.count; i++) {
    const base = i * ITEM_BYTES;
    const pk = Buffer.from(task.buffer, base, PK_BYTES);
    const sig = Buffer.from(task.buffer, base + PK_BYTES, SIG_BYTES);
    const msg = Buffer.from(task.buffer, base + PK_BYTES + SIG_BYTES, MSG_BYTES);
    if (sodium.crypto_sign_verify_detached(sig, msg, pk)) valid++;
  }
  return valid;
}
