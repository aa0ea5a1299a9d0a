/**
 * Horizon's error body (RFC 7807 problem+json): {type, title, status, detail, extras?}. The type
 * URL is Horizon's, so clients that match on it keep working against this node.
 */
import {ApiErrorCode, type ProblemExtras} from "../errors.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";
const PROBLEM_TYPE_BASE = "https://stellar.org/horizon-errors/";

const PROBLEM_STATUS: Record<ApiErrorCode, {status: number; title: string}> = {
  [ApiErrorCode.NOT_FOUND]: {status: 404, title: "Resource Missing"},
  [ApiErrorCode.BAD_REQUEST]: {status: 400, title: "Bad Request"},
  [ApiErrorCode.TRANSACTION_FAILED]: {status: 400, title: "Transaction Failed"},
  [ApiErrorCode.TRANSACTION_MALFORMED]: {status: 400, title: "Transaction Malformed"},
  [ApiErrorCode.REQUEST_ENTITY_TOO_LARGE]: {status: 413, title: "Request Entity Too Large"},
  [ApiErrorCode.SERVER_ERROR]: {status: 500, title: "Internal Server Error"},
  [ApiErrorCode.SERVICE_UNAVAILABLE]: {status: 503, title: "Service Unavailable"},
  [ApiErrorCode.TIMEOUT]: {status: 504, title: "Timeout"},
  [ApiErrorCode.TRANSACTION_SUBMISSION_TIMEOUT]: {status: 504, title: "Transaction Submission Timeout"},
  [ApiErrorCode.NOT_ACCEPTABLE]: {status: 406, title: "An acceptable response content-type could not be provided for this request"},
  [ApiErrorCode.INVALID_ORDER_BOOK]: {status: 400, title: "Invalid Order Book Parameters"},
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  extras?: ProblemExtras;
}

export function problemStatus(code: ApiErrorCode): number {
  return PROBLEM_STATUS[code].status;
}

export function problemRecord(code: ApiErrorCode, detail: string, extras?: ProblemExtras): Problem {
  const {status, title} = PROBLEM_STATUS[code];
  const body: Problem = {type: PROBLEM_TYPE_BASE + code, title, status, detail};
  if (extras !== undefined) body.extras = extras;
  return body;
}
