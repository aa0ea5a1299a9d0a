/**
 * Transaction submission: POST /transactions waits for the ledger that includes the transaction
 * (Horizon's synchronous submit); POST /transactions_async answers at admission with Horizon's
 * {tx_status, hash} shape. Both map the node's outcome onto Horizon's status codes and problems.
 */
import {ApiError, ApiErrorCode, invalidField} from "../errors.js";
import {transactionRecord} from "../format/transaction.js";
import type {SubmitOutcome} from "../interface.js";
import type {ResultCodes} from "../../tx/types.js";
import {jsonReply, type PostRoute, type Reply, type RequestBody, type RouteContext} from "./context.js";

/**
 * Seconds a client should wait after TRY_AGAIN_LATER: about one ledger close (Stellar targets
 * 5 s), after which the queue has drained by one ledger's worth of transactions.
 */
const RETRY_AFTER_SECONDS = "5";

/** Reads one form or JSON field of a POST body. */
export function bodyField(body: RequestBody, name: string): string | null {
  const text = body.bytes.toString("utf8");
  if (body.contentType.includes("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidField(name, "request body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null) return null;
    const v: unknown = (parsed as Record<string, unknown>)[name];
    return typeof v === "string" ? v : null;
  }
  return new URLSearchParams(text).get(name);
}

/**
 * The base64 envelope of a submission. Form decoding turns an unescaped '+' into a space;
 * base64 never contains spaces, so they are turned back rather than failing the decode.
 */
export function envelopeParam(body: RequestBody): string {
  const tx = bodyField(body, "tx");
  if (tx === null || tx.trim() === "") throw invalidField("tx", "tx is required: a base64 TransactionEnvelope");
  return tx.trim().replace(/ /g, "+");
}

function malformed(envelope: string, error: string): ApiError {
  return new ApiError(ApiErrorCode.TRANSACTION_MALFORMED, `The transaction envelope could not be decoded: ${error}`, {
    extras: {envelope_xdr: envelope},
  });
}

/** Horizon's `extras.result_codes`: flat and snake_case; a fee-bump's inner codes sit beside the outer one. */
export interface HorizonResultCodes {
  transaction: string;
  inner_transaction?: string;
  operations?: string[];
}

/**
 * The node keeps a fee-bump's inner outcome nested; Horizon reports the outer code as
 * `transaction`, the inner code as `inner_transaction` and the inner operations' codes as
 * `operations` (protocols/horizon TransactionResultCodes).
 */
export function horizonResultCodes(codes: ResultCodes): HorizonResultCodes {
  const out: HorizonResultCodes = {transaction: codes.transaction};
  const inner = codes.innerTransaction;
  if (inner !== undefined) out.inner_transaction = inner.transaction;
  const ops = inner !== undefined ? inner.operations : codes.operations;
  if (ops !== undefined) out.operations = ops;
  return out;
}

function failed(envelope: string, outcome: SubmitOutcome, ctx: RouteContext): ApiError {
  // Codes of an included transaction may only be in the store when the submitter omits them.
  const stored = outcome.status === "FAILED" ? ctx.modules.reader.tx(outcome.hash) : undefined;
  const resultCodes = outcome.resultCodes ?? stored?.resultCodes ?? {transaction: "tx_failed"};
  return new ApiError(
    ApiErrorCode.TRANSACTION_FAILED,
    "The transaction was rejected or failed when applied; extras.result_codes says why.",
    {
      extras: {
        envelope_xdr: outcome.envelopeXdr ?? envelope,
        result_codes: horizonResultCodes(resultCodes),
        result_xdr: outcome.resultXdr ?? stored?.resultXdr ?? "",
      },
    },
  );
}

function tryAgainLater(): ApiError {
  return new ApiError(ApiErrorCode.SERVICE_UNAVAILABLE, "The transaction queue is full; submit again after the next ledger.", {
    headers: [["Retry-After", RETRY_AFTER_SECONDS]],
  });
}

/** The answer to a submission that waited for its ledger (POST /transactions and friendbot). */
export function includedReply(ctx: RouteContext, envelope: string, outcome: SubmitOutcome): Reply {
  if (outcome.error !== undefined) throw malformed(envelope, outcome.error);
  switch (outcome.status) {
    case "SUCCESS": {
      const tx = ctx.modules.reader.tx(outcome.hash);
      if (tx !== undefined) return jsonReply(200, transactionRecord(tx, ctx.base));
      // Included but not yet readable: answer with the submit-response subset Horizon guarantees.
      return jsonReply(200, {
        hash: outcome.hash,
        ledger: outcome.ledger ?? 0,
        successful: true,
        envelope_xdr: outcome.envelopeXdr ?? envelope,
        result_xdr: outcome.resultXdr ?? "",
        result_meta_xdr: "",
      });
    }
    case "FAILED":
    case "ERROR":
      throw failed(envelope, outcome, ctx);
    case "TRY_AGAIN_LATER":
      throw tryAgainLater();
    case "PENDING":
    case "DUPLICATE": {
      // A duplicate of a transaction already in a ledger gets that transaction's answer.
      const tx = ctx.modules.reader.tx(outcome.hash);
      if (tx !== undefined && tx.successful) return jsonReply(200, transactionRecord(tx, ctx.base));
      if (tx !== undefined) throw failed(envelope, {...outcome, status: "FAILED", resultCodes: tx.resultCodes, resultXdr: tx.resultXdr}, ctx);
      throw new ApiError(
        ApiErrorCode.TRANSACTION_SUBMISSION_TIMEOUT,
        "The submission timed out before the transaction was in a ledger; it may still be included: poll /transactions/{extras.hash} before resubmitting.",
        {extras: {hash: outcome.hash, envelope_xdr: outcome.envelopeXdr ?? envelope}},
      );
    }
  }
}

/** Horizon's async submission statuses and their HTTP codes. */
const ASYNC_STATUS: Record<"PENDING" | "DUPLICATE" | "ERROR" | "TRY_AGAIN_LATER", number> = {
  PENDING: 201,
  DUPLICATE: 409,
  ERROR: 400,
  TRY_AGAIN_LATER: 503,
};

export function asyncReply(envelope: string, outcome: SubmitOutcome): Reply {
  if (outcome.error !== undefined) throw malformed(envelope, outcome.error);
  // Already decided in a ledger: from the client's view it was accepted, like PENDING.
  const status = outcome.status === "SUCCESS" || outcome.status === "FAILED" ? "PENDING" : outcome.status;
  const body: {tx_status: string; hash: string; errorResultXdr?: string; error_result_xdr?: string} = {tx_status: status, hash: outcome.hash};
  if (status === "ERROR" && outcome.resultXdr !== undefined) {
    // `errorResultXdr` is the spelling Horizon answered with first and the Java, Swift and Python
    // SDKs read; Horizon 22 added `error_result_xdr` (the JS SDK's), so both carry the result.
    body.errorResultXdr = outcome.resultXdr;
    body.error_result_xdr = outcome.resultXdr;
  }
  const reply = jsonReply(ASYNC_STATUS[status], body);
  if (status === "TRY_AGAIN_LATER") reply.headers = [["Retry-After", RETRY_AFTER_SECONDS]];
  return reply;
}

export const submitRoutes: PostRoute[] = [
  {
    method: "post",
    pattern: "/transactions",
    async handle(ctx, body) {
      const envelope = envelopeParam(body);
      const outcome = await ctx.modules.submitter.submit(envelope, true);
      return includedReply(ctx, envelope, outcome);
    },
  },
  {
    method: "post",
    pattern: "/transactions_async",
    async handle(ctx, body) {
      const envelope = envelopeParam(body);
      return asyncReply(envelope, await ctx.modules.submitter.submit(envelope, false));
    },
  },
];
