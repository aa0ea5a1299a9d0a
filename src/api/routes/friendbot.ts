/**
 * Horizon's faucet on test networks: GET or POST /friendbot?addr=G… creates and funds the account
 * and answers like a synchronous submission (the funding transaction, or transaction_failed,
 * e.g. op_already_exists for an existing account). Never cached: each call does work.
 */
import {StrKey} from "@stellar/stellar-base";
import {notFound, invalidField} from "../errors.js";
import {type GetRoute, type PostRoute, type Reply, type RequestBody, type RouteContext} from "./context.js";
import {bodyField, includedReply} from "./submit.js";

async function fund(ctx: RouteContext, body: RequestBody | null): Promise<Reply> {
  const friendbot = ctx.modules.friendbot;
  if (friendbot === null) throw notFound();
  const addr = ctx.query.get("addr") ?? (body !== null && body.bytes.length > 0 ? bodyField(body, "addr") : null);
  if (addr === null || addr === "") throw invalidField("addr", "addr is required");
  if (!StrKey.isValidEd25519PublicKey(addr)) throw invalidField("addr", "invalid address");
  const outcome = await friendbot.fund(addr);
  return includedReply(ctx, outcome.envelopeXdr ?? "", outcome);
}

export const friendbotRoutes: (GetRoute | PostRoute)[] = [
  {method: "get", pattern: "/friendbot", cacheable: false, handle: (ctx) => fund(ctx, null)},
  {method: "post", pattern: "/friendbot", handle: (ctx, body) => fund(ctx, body)},
];
