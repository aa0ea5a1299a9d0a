/**
 * Signature verification is the one capability offloaded from the main thread. Two implementations
 * stand behind this interface: in-thread (tests, tiny deployments) and a Piscina pool (default);
 * one test suite runs on both.
 */
import type {ErrorData} from "../util/errors.js";
import type {TxFrame} from "../tx/interface.js";

/**
 * What verification found for one envelope: the decoded frame with `verified` (and the keys tried)
 * filled in, so the main thread neither decodes nor verifies again; or why it could not be decoded.
 */
export type Verdict = {ok: true; frame: TxFrame} | {ok: false; error: ErrorData};

export interface SignatureVerifier {
  /** Decode, hash and verify one envelope's signatures against the signers of the last closed ledger. */
  verify(envelope: Buffer): Promise<Verdict>;
  close(): Promise<void>;
}
