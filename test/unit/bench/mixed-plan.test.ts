/**
 * The mixed load's plan (native-bench/mixed.ts): the shares issue 6 asks for, and per account an
 * offer cycle whose updates and cancels always have a resting offer to act on.
 */
import {describe, it} from "node:test";
import assert from "node:assert/strict";
import {MIX, planMixed} from "../../../native-bench/mixed.js";

describe("mixed load plan", () => {
  it("draws 50% payments, 30% offer operations, 20% path payments, and one resting offer per cancel plus the updated one", () => {
    const accounts = 1000;
    const plan = planMixed(30_000, accounts);
    const share = (pred: (k: string) => boolean): number => plan.kinds.filter(pred).length / plan.kinds.length;
    assert.ok(Math.abs(share((k) => k === "payment") - MIX.payments) < 0.02);
    assert.ok(Math.abs(share((k) => k.startsWith("offer_")) - MIX.offers) < 0.02);
    assert.ok(Math.abs(share((k) => k.startsWith("strict_")) - MIX.pathPayments) < 0.02);
    assert.ok(Math.abs(share((k) => k === "strict_send") - share((k) => k === "strict_receive")) < 0.001);
    for (let a = 0; a < accounts; a++) {
      const mine = plan.kinds.filter((k, i) => i % accounts === a && k.startsWith("offer_"));
      // Each account's offer operations cycle create, update, cancel in its sequence order.
      mine.forEach((k, j) => assert.equal(k, ["offer_create", "offer_update", "offer_cancel"][j % 3]));
      assert.equal(plan.restingPerAccount[a], 1 + mine.filter((k) => k === "offer_cancel").length);
    }
    assert.deepEqual(planMixed(30_000, accounts).kinds, plan.kinds, "seeded: runs compare");
  });
});
