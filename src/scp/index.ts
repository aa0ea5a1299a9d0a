export {SCP, type RejectReason} from "./scp.js";
export type {SCPDriver, SlotInfo, TimerKind, ValueValidity} from "./interface.js";
export {
  COUNTER_INFINITY,
  type Ballot,
  type BallotPhase,
  type BallotPledge,
  type ConfirmPledge,
  type Envelope,
  type ExternalizePledge,
  type NodeId,
  type NominatePledge,
  type Pledge,
  type PreparePledge,
  type QuorumSet,
  type Statement,
} from "./types.js";
export {ScpError, ScpErrorCode} from "./errors.js";
export {defaultScpOptions, defaultTimeoutMs, type ScpOptions} from "./options.js";
export {
  MAX_QUORUM_SET_DEPTH,
  MAX_QUORUM_SET_NODES,
  befouledNodes,
  checkQuorumSetSanity,
  findClosestVBlocking,
  findDisjointQuorums,
  greatestQuorumWithin,
  hasQuorumIntersection,
  isDispensableSet,
  isIntact,
  isQuorum,
  isQuorumInFbas,
  isQuorumSlice,
  isVBlocking,
  minimalQuorums,
  normalizeQuorumSet,
  quorumSetHash,
  quorumSetNodes,
  quorumSetToXdr,
  singletonQuorumSet,
  type AnalysisOptions,
  type Fbas,
  type IntersectionResult,
  type MinimalQuorumsResult,
  type SanityResult,
} from "./quorum.js";
export {compareBallots, areBallotsCompatible} from "./ballots.js";
export {nominationHash, nodeWeight} from "./nomination.js";
export {encodeStatement, encodeEnvelope, decodeEnvelope} from "./codec.js";
export {parseStellarbeatNodes, loadFbasJson, type LoadedFbas, type StellarbeatNode} from "./stellarbeat.js";
export {
  allMinimalQuorums,
  analyzeFbas,
  befouledSet,
  checkQuorumIntersection,
  isDSet,
  quorumReport,
  type AnalysisLimits,
  type QuorumReport,
  type FbasAnalysis,
  type IntersectionCheck,
} from "./analysis.js";
export {
  ballotSanityError,
  checkReceivedQuorumSet,
  envelopeShapeError,
  nominationSanityError,
  statementSanityError,
  type StatementLimits,
} from "./validation.js";
