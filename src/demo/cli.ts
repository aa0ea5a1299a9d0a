/**
 * `diamante demo`: seeds a running node (`npm start`) with the demo economy and keeps the two
 * anchors' servers running until Ctrl-C, so PayCircle and CreditCircle have something real to
 * show. For test networks only: it uses friendbot, and the keystores' password is printed.
 */
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {pino} from "pino";
import {checkKdfParams} from "../wallet/keystore.js";
import {DEFAULT_KDF} from "../wallet/options.js";
import {DEMO_OFFERS, seedDemo, type DemoSeeder} from "./seed.js";
import {seedCreditLoans} from "./credit-seed.js";

/** Printed and documented as demo-only: these keystores guard play money on a test network. */
export const DEMO_PASSWORD = "demo-password";

const USAGE = `diamante demo [flags]

Seeds a running test network with two anchors (USD and AED issuers whose home_domain points at
their stellar.toml and transfer servers, run by this process), a market maker bridging USD and AED
through DIAM, users alice, bob and carol with keystores, and CreditCircle loans against a DIAMOND
collateral asset. Keeps the anchors running until Ctrl-C.

Flags:
  --node URL            the node's API (default http://127.0.0.1:8000)
  --keystore-dir DIR    where the users' keystores are written (default ./demo-keystores)
  --password TEXT       the keystores' password (default "${DEMO_PASSWORD}"; demo only, it is printed)
  --kdf-opslimit N      Argon2id passes of the keystores (default ${DEFAULT_KDF.opslimit}; lower only in tests)
  --kdf-memlimit BYTES  Argon2id memory of the keystores (default ${DEFAULT_KDF.memlimit})
  --json                print one JSON document instead of the text summary
  --log-level LEVEL     pino level (default warn)
`;

class DemoUsageError extends Error {}

function whole(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,10}$/.test(v)) throw new DemoUsageError(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
}

/** What the apps add to the base world: CreditCircle's collateral asset and loans. */
const DEMO_SEEDERS: DemoSeeder[] = [seedCreditLoans];

/** Runs the command; resolves with the exit code once stopped (Ctrl-C), or 2 on a usage error. */
export async function runDemoCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({values} = parseArgs({
      args,
      strict: true,
      options: {
        node: {type: "string"},
        "keystore-dir": {type: "string"},
        password: {type: "string"},
        "kdf-opslimit": {type: "string"},
        "kdf-memlimit": {type: "string"},
        json: {type: "boolean"},
        "log-level": {type: "string"},
        help: {type: "boolean", short: "h"},
      },
    }));
  } catch (err) {
    process.stderr.write(`diamante demo: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let kdf;
  let nodeUrl: string;
  try {
    nodeUrl = (values.node ?? "http://127.0.0.1:8000").replace(/\/$/, "");
    if (!/^https?:\/\/[^/]+$/.test(nodeUrl)) throw new DemoUsageError(`--node must be an http(s) URL of the node's API, got "${values.node}"`);
    kdf = checkKdfParams({
      opslimit: whole(values["kdf-opslimit"], "kdf-opslimit") ?? DEFAULT_KDF.opslimit,
      memlimit: whole(values["kdf-memlimit"], "kdf-memlimit") ?? DEFAULT_KDF.memlimit,
    });
    if (values.password === "") throw new DemoUsageError("--password must not be empty");
  } catch (err) {
    process.stderr.write(`diamante demo: ${(err as Error).message}\n`);
    return 2;
  }
  const keystoreDir = resolve(values["keystore-dir"] ?? "demo-keystores");
  const password = values.password ?? DEMO_PASSWORD;
  const log = pino({level: values["log-level"] ?? "warn", base: undefined});
  const {world, notes} = await seedDemo({nodeUrl, keystoreDir, password, kdf, log}, DEMO_SEEDERS);

  const balances = await Promise.all(
    world.users.map(async (u) => {
      const acc = await world.submitter.server.loadAccount(u.keypair.publicKey());
      // Horizon's 7-decimal strings, trailing zeros dropped (no float on the way).
      return acc.balances.map((b) => `${b.balance.replace(/\.?0+$/, "")} ${"asset_code" in b ? b.asset_code : "DIAM"}`).join(", ");
    }),
  );
  const summary = {
    node: nodeUrl,
    network_passphrase: world.submitter.passphrase,
    apps: {paycircle: `${nodeUrl}/apps/paycircle`, creditcircle: `${nodeUrl}/apps/creditcircle`},
    anchors: world.anchors.map((a) => ({code: a.asset.getCode(), issuer: a.asset.getIssuer(), home_domain: a.domain, stellar_toml: `${a.url}/.well-known/stellar.toml`, transfer_server: `${a.url}/sep6`})),
    market_maker: {account: world.maker.publicKey(), offers: DEMO_OFFERS},
    keystore_dir: keystoreDir,
    password,
    users: world.users.map((u, i) => ({name: u.name, account: u.keypair.publicKey(), keystore: u.keystore, balances: balances[i]})),
    notes,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(summary) + "\n");
  } else {
    const lines = [
      `Demo seeded on ${nodeUrl} ("${summary.network_passphrase}")`,
      ``,
      `Anchors (running in this process):`,
      ...summary.anchors.map((a) => `  ${a.code}  issuer ${a.issuer}  home_domain ${a.home_domain}  ${a.stellar_toml}`),
      `Market maker ${summary.market_maker.account}: USD ↔ DIAM and DIAM ↔ AED (1 USD ≈ 10 DIAM, 1 AED ≈ 2.75 DIAM), so USD → AED goes via DIAM`,
      ``,
      `Users (keystores in ${keystoreDir}; password "${password}" — DEMO ONLY, never for real funds):`,
      ...summary.users.map((u) => `  ${u.name.padEnd(6)} ${u.account}  ${u.balances}`),
      ...(notes.length > 0 ? ["", ...notes] : []),
      ``,
      `Open ${summary.apps.paycircle} (or ${summary.apps.creditcircle}), pick a keystore file above and type the password.`,
      `Ctrl-C stops the anchors (deposits and withdrawals stop working; the ledger keeps everything else).`,
      ``,
    ];
    process.stdout.write(lines.join("\n"));
  }
  return new Promise<number>((done) => {
    const stop = () => {
      void world.stop().then(
        () => done(0),
        () => done(1),
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
