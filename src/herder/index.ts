export {Herder, type Admission, type ClosedLedger} from "./herder.js";
export {Consensus, type ConsensusOptions} from "./consensus.js";
export {RootFriendbot, FRIENDBOT_AMOUNT} from "./friendbot.js";
export {TxQueue, feeOps, type QueuedTx, type TxSelection} from "./tx-queue.js";
export {makeTxSet, encodeScpValue, decodeScpValue, type TxSet, type ScpValue} from "./tx-set.js";
export {defaultHerderOptions, type HerderOptions} from "./options.js";
export {HerderError, HerderErrorCode} from "./errors.js";
