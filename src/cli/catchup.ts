/**
 * `diamante catchup --archive DIR|URL --data DIR [--to N] [--full]`: builds (or advances) a
 * node's data folder from a history archive: the header chain is checked from genesis, the
 * latest state snapshot at or before the target is loaded (or, with --full, nothing but genesis
 * is trusted), and every later ledger is replayed through the ledger manager against its header
 * hash. Exit 0 with a one-line summary, 2 on bad flags, 1 when the archive is refused.
 */
import {parseArgs} from "node:util";
import {pino} from "pino";
import {LedgerStore} from "../store/ledger-store.js";
import {createMetrics} from "../metrics/metrics.js";
import {LedgerManager} from "../herder/ledger-manager.js";
import {LedgerEvents} from "../herder/events.js";
import {archiveFromSpec} from "../history/archive.js";
import {catchupFromArchive} from "../history/catchup-archive.js";

export const CATCHUP_USAGE = `diamante catchup --archive DIR|URL --data DIR [--to LEDGER] [--full] [--json]

Builds a node's data folder from a history archive (a folder or an http(s) URL), or advances a
stopped node's folder to the archive's latest checkpoint.
  --to LEDGER   stop at this ledger (default: the archive's latest checkpoint)
  --full        replay every ledger from genesis instead of loading a state snapshot
  --json        print the result as JSON
`;

class CatchupUsageError extends Error {}

export async function runCatchupCommand(args: string[]): Promise<number> {
  let values;
  try {
    ({values} = parseArgs({
      args,
      options: {
        archive: {type: "string"},
        data: {type: "string"},
        to: {type: "string"},
        full: {type: "boolean"},
        json: {type: "boolean"},
        "log-level": {type: "string"},
        help: {type: "boolean", short: "h"},
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`diamante: ${(e as Error).message}\n${CATCHUP_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(CATCHUP_USAGE);
    return 0;
  }
  try {
    if (!values.archive) throw new CatchupUsageError("--archive DIR|URL is required");
    if (!values.data) throw new CatchupUsageError("--data DIR is required");
    if (values.to !== undefined && !/^[1-9]\d{0,9}$/.test(values.to)) throw new CatchupUsageError(`--to must be a ledger sequence ≥ 1, got "${values.to}"`);
  } catch (e) {
    process.stderr.write(`diamante: ${(e as Error).message}\n`);
    return 2;
  }
  const log = pino({level: values["log-level"] ?? "warn", base: undefined});
  const archive = archiveFromSpec(values.archive);
  const store = new LedgerStore({dir: values.data});
  try {
    const r = await catchupFromArchive(
      archive,
      store,
      (s, config) => new LedgerManager({checkInvariants: false}, {store: s, config, metrics: createMetrics(), log, events: new LedgerEvents(log), txSets: () => undefined}),
      {to: values.to !== undefined ? Number(values.to) : undefined, full: values.full ?? false},
      log,
    );
    if (values.json) process.stdout.write(JSON.stringify(r) + "\n");
    else process.stdout.write(`caught up to ledger ${r.to} (${r.hash}): ${r.snapshot > 0 ? `snapshot of ledger ${r.snapshot}, ` : ""}${r.replayed} ledgers replayed\n`);
    return 0;
  } finally {
    await store.close();
  }
}
