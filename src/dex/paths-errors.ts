import {DiamanteError} from "../util/errors.js";

export enum PathErrorCode {
  /** A query past its work cap: it would have kept a worker busy longer than any answer is worth. */
  TooExpensive = "path_search_too_expensive",
  /** A query whose amount or assets cannot describe a payment (caught by the API first; kept for direct callers). */
  BadQuery = "path_bad_query",
  /** Every path worker is busy and the queue is full: ask again shortly. */
  Overloaded = "path_finder_overloaded",
  /** The path finder is closed (the node is stopping). */
  Closed = "path_finder_closed",
  /** The dedicated path listener could not start (its port is taken, its thread failed). */
  ListenFailed = "path_listener_failed",
}

export class PathError extends DiamanteError<PathErrorCode> {}
