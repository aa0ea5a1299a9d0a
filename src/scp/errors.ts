import {DiamanteError} from "../util/errors.js";

/** Failure codes of the consensus module. */
export enum ScpErrorCode {
  /** A quorum set breaks a sanity rule (threshold bounds, nesting depth, duplicates). */
  InvalidQuorumSet = "scp_invalid_quorum_set",
  /** A node id is not an ed25519 public key StrKey. */
  InvalidNodeId = "scp_invalid_node_id",
  /** An API call was made with an argument outside its domain (e.g. a negative slot). */
  InvalidArgument = "scp_invalid_argument",
  /** Envelope bytes from a peer that do not decode to a statement. */
  MalformedEnvelope = "scp_malformed_envelope",
  /** A network analysis would exceed its configured bound (its worst case is exponential). */
  AnalysisTooLarge = "scp_analysis_too_large",
}

export class ScpError extends DiamanteError<ScpErrorCode> {
  constructor(code: ScpErrorCode, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "ScpError";
  }
}
