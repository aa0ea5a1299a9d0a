/**
 * Where checkpoints go and come from. A folder; or, as stellar-core's `[HISTORY]` sections,
 * shell command templates so any store with a CLI works (S3: `aws s3 cp`, GCS: `gsutil cp`):
 *   get:   {0} remote path, {1} local file    e.g. `cp /archive/{0} {1}`, `curl -sf https://host/{0} -o {1}`
 *   put:   {0} local file, {1} remote path    e.g. `cp {0} /archive/{1}`, `aws s3 cp {0} s3://bucket/{1}`
 *   mkdir: {0} remote folder (optional)       e.g. `mkdir -p /archive/{0}`
 * or, read-only, an http(s) URL.
 */
import {execFile} from "node:child_process";
import {mkdir, mkdtemp, readFile, rename, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {HistoryError, HistoryErrorCode} from "./errors.js";

export interface HistoryArchive {
  /** A short description for logs and errors. */
  readonly name: string;
  /** False for a put-only command archive: a publisher then cannot read what it published before. */
  readonly canRead: boolean;
  /** The file's bytes, or undefined when the archive does not hold it. */
  get(remotePath: string): Promise<Buffer | undefined>;
  put(remotePath: string, data: Buffer): Promise<void>;
}

export interface CommandTemplates {
  get?: string;
  put?: string;
  mkdir?: string;
}

/** Remote paths are archive-relative, made of plain segments: nothing a template could misread. */
function checkRemote(path: string): void {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) || path.split("/").some((s) => s === "..")) {
    throw new HistoryError(HistoryErrorCode.BAD_OPTION, `archive path "${path}" is not a plain relative path`, {path});
  }
}

export class FolderArchive implements HistoryArchive {
  readonly name: string;
  readonly canRead = true;
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.name = `folder ${this.root}`;
  }

  async get(remotePath: string): Promise<Buffer | undefined> {
    checkRemote(remotePath);
    try {
      return await readFile(join(this.root, remotePath));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `reading ${remotePath} from ${this.name}: ${(err as Error).message}`, {path: remotePath});
    }
  }

  /** Written to a temporary name then renamed: a reader never sees half a file. */
  async put(remotePath: string, data: Buffer): Promise<void> {
    checkRemote(remotePath);
    const target = join(this.root, remotePath);
    try {
      await mkdir(dirname(target), {recursive: true});
      const tmp = `${target}.tmp-${process.pid}`;
      await writeFile(tmp, data);
      await rename(tmp, target);
    } catch (err) {
      throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `writing ${remotePath} to ${this.name}: ${(err as Error).message}`, {path: remotePath});
    }
  }
}

/** Single-quotes `s` for sh: the template's author decides the command, never the path. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function fill(template: string, args: string[]): string {
  return template.replace(/\{(\d)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? shellQuote(args[Number(i)]!) : m));
}

/** 5 minutes: a checkpoint's snapshot to a remote bucket over a slow link; a hung command must end. */
const COMMAND_TIMEOUT_MS = 300_000;

export class CommandArchive implements HistoryArchive {
  readonly name: string;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  private readonly madeDirs = new Set<string>();

  constructor(private readonly templates: CommandTemplates) {
    if (!templates.get && !templates.put) throw new HistoryError(HistoryErrorCode.BAD_OPTION, "a command archive needs a get or a put template");
    this.canRead = templates.get !== undefined && templates.get !== "";
    this.canWrite = templates.put !== undefined && templates.put !== "";
    this.name = `commands (get: ${templates.get ?? "none"}; put: ${templates.put ?? "none"})`;
  }

  private run(cmd: string): Promise<void> {
    return new Promise((ok, fail) => {
      execFile("/bin/sh", ["-c", cmd], {timeout: COMMAND_TIMEOUT_MS}, (err, _stdout, stderr) => {
        if (err) fail(Object.assign(err, {stderr: String(stderr).trim().slice(0, 500)}));
        else ok();
      });
    });
  }

  private async withTemp<T>(f: (file: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), "diamante-archive-"));
    try {
      return await f(join(dir, "file"));
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  }

  /**
   * A failing get reads as "not in the archive": `cp` and `curl -f` fail the same way for a
   * missing file as for other errors, and the caller names the file it needed.
   */
  async get(remotePath: string): Promise<Buffer | undefined> {
    checkRemote(remotePath);
    if (!this.templates.get) throw new HistoryError(HistoryErrorCode.BAD_OPTION, "this archive has no get template");
    return this.withTemp(async (local) => {
      try {
        await this.run(fill(this.templates.get!, [remotePath, local]));
        return await readFile(local);
      } catch {
        return undefined;
      }
    });
  }

  async put(remotePath: string, data: Buffer): Promise<void> {
    checkRemote(remotePath);
    if (!this.templates.put) throw new HistoryError(HistoryErrorCode.BAD_OPTION, "this archive has no put template");
    const dir = dirname(remotePath);
    if (this.templates.mkdir && dir !== "." && !this.madeDirs.has(dir)) {
      try {
        await this.run(fill(this.templates.mkdir, [dir]));
      } catch (err) {
        throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `mkdir ${dir} failed: ${(err as {stderr?: string}).stderr || (err as Error).message}`, {path: dir});
      }
      this.madeDirs.add(dir);
    }
    await this.withTemp(async (local) => {
      await writeFile(local, data);
      try {
        await this.run(fill(this.templates.put!, [local, remotePath]));
      } catch (err) {
        throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `put ${remotePath} failed: ${(err as {stderr?: string}).stderr || (err as Error).message}`, {path: remotePath});
      }
    });
  }
}

/** Read-only archive served over http(s), as stellar-core's public archives. */
export class HttpArchive implements HistoryArchive {
  readonly name: string;
  readonly canRead = true;

  constructor(private readonly base: string) {
    this.name = `url ${base}`;
  }

  async get(remotePath: string): Promise<Buffer | undefined> {
    checkRemote(remotePath);
    const url = `${this.base.replace(/\/+$/, "")}/${remotePath}`;
    let res: Response;
    try {
      res = await fetch(url, {signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS)});
    } catch (err) {
      throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `GET ${url}: ${(err as Error).message}`, {url});
    }
    if (res.status === 404) return undefined;
    if (!res.ok) throw new HistoryError(HistoryErrorCode.ARCHIVE_IO, `GET ${url}: HTTP ${res.status}`, {url, status: res.status});
    return Buffer.from(await res.arrayBuffer());
  }

  async put(): Promise<void> {
    throw new HistoryError(HistoryErrorCode.BAD_OPTION, `${this.name} is read-only`);
  }
}

/** `--archive` values: an http(s) URL, or a folder. */
export function archiveFromSpec(spec: string): HistoryArchive {
  if (spec.trim() === "") throw new HistoryError(HistoryErrorCode.BAD_OPTION, "--archive needs a folder or an http(s) URL");
  if (/^https?:\/\//i.test(spec)) return new HttpArchive(spec);
  return new FolderArchive(spec);
}

/** The archive a node config names (see `HistoryArchiveConfig` in node/options.ts). */
export function archiveFromConfig(c: {folder: string} | {get?: string; put?: string; mkdir?: string} | {url: string}): HistoryArchive {
  if ("folder" in c) return new FolderArchive(c.folder);
  if ("url" in c) {
    if (!/^https?:\/\//i.test(c.url)) throw new HistoryError(HistoryErrorCode.BAD_OPTION, `history url must be http(s), got "${c.url}"`);
    return new HttpArchive(c.url);
  }
  return new CommandArchive(c);
}

/** True when a publisher can write checkpoints into the archive. */
export function canPublish(a: HistoryArchive): boolean {
  return a instanceof FolderArchive || (a instanceof CommandArchive && a.canWrite);
}
