/**
 * The faucet (Horizon's /friendbot) of a test network: creates and funds an account from the root.
 * Admissions are serialized so each gets the root's next sequence number; waiting for the ledger
 * is not, so many requests share one ledger.
 */
import {Account, Keypair, Operation, StrKey, TransactionBuilder} from "@stellar/stellar-base";
import type {Friendbot, SubmitOutcome} from "../api/interface.js";
import {invalidField} from "../api/errors.js";
import type {LedgerStore} from "../store/ledger-store.js";
import type {NetworkConfig} from "../ledger/types.js";
import type {Herder} from "./herder.js";

/** 10,000 DIAM, what Stellar's testnet friendbot gives. */
export const FRIENDBOT_AMOUNT = "10000";

export class RootFriendbot implements Friendbot {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly root: Keypair,
    private readonly modules: {herder: Herder; store: LedgerStore; config: NetworkConfig},
  ) {}

  async fund(address: string): Promise<SubmitOutcome> {
    if (!StrKey.isValidEd25519PublicKey(address)) throw invalidField("addr", "an account address (G…) is required");
    const admitted = this.chain.then(() => this.admitOne(address));
    this.chain = admitted.catch(() => undefined);
    const adm = await admitted;
    return adm.included ?? adm.outcome;
  }

  private async admitOne(address: string) {
    const {herder, store, config} = this.modules;
    const rootId = this.root.publicKey();
    const entry = store.account(rootId);
    if (!entry) throw new Error("root account is missing");
    const last = herder.queue.lastSeq(rootId);
    const seq = last !== undefined && last > entry.seqNum ? last : entry.seqNum;
    const tx = new TransactionBuilder(new Account(rootId, seq.toString()), {
      fee: String(config.baseFee),
      networkPassphrase: config.passphrase,
    })
      .addOperation(Operation.createAccount({destination: address, startingBalance: FRIENDBOT_AMOUNT}))
      .setTimeout(0)
      .build();
    tx.sign(this.root);
    return herder.admit(tx.toEnvelope().toXDR(), {wait: true});
  }
}
