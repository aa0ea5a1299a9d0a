export type {SignatureVerifier, Verdict} from "./interface.js";
export {InThreadVerifier} from "./in-thread.js";
export {VerifyPool, type VerifyWorkerData} from "./pool.js";
export {defaultVerifyPoolOptions, type VerifyPoolOptions} from "./options.js";
export {verdictFor, verifyBatch, packBatch} from "./verdict.js";
