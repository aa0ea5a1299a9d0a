/**
 * Signature verification is the one capability offloaded from the main thread. Two implementations
 * stand behind this interface: in-thread (tests, tiny deployments) and a Piscina pool (default);
 * one test suite runs on both.
 */
import type {ErrorData} from "../util/errors.js";
import type {VerifiedSignature} from "../tx/types.js";

/** What the worker found for one envelope. Plain data: it crosses a thread boundary. */
export type Verdict =
  | {
      ok: true;
      hashHex: string;
      verified: VerifiedSignature[];
      verifiedFeeBump: VerifiedSignature[];
      triedKeys: string[];
      triedFeeBumpKeys: string[];
    }
  | {ok: false; error: ErrorData};

export interface SignatureVerifier {
  /** Decode, hash and verify one envelope's signatures against the signers of the last closed ledger. */
  verify(envelope: Buffer): Promise<Verdict>;
  close(): Promise<void>;
}
