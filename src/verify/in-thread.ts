import type {LedgerStateReader} from "../ledger/types.js";
import type {SignatureVerifier, Verdict} from "./interface.js";
import {verdictFor} from "./verdict.js";

/** Verifies on the calling thread. For tests and for comparing against the pool. */
export class InThreadVerifier implements SignatureVerifier {
  constructor(
    private readonly networkId: Buffer,
    private readonly reader: LedgerStateReader,
  ) {}

  async verify(envelope: Buffer): Promise<Verdict> {
    return verdictFor(envelope, this.networkId, this.reader);
  }

  async close(): Promise<void> {}
}
