import {DiamanteError} from "../util/errors.js";

export enum OverlayErrorCode {
  /** An option is out of range or a peer address cannot be parsed. */
  BAD_OPTION = "overlay_bad_option",
  /** A frame or message from a peer is malformed. */
  BAD_FRAME = "overlay_bad_frame",
  /** The handshake failed: wrong network, bad signature, self, duplicate, limits. */
  HANDSHAKE = "overlay_handshake",
}

export class OverlayError extends DiamanteError<OverlayErrorCode> {}
