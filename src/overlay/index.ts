export type {Overlay, OverlayMessage, OverlayMessageType, PeerId} from "./interface.js";
export {TcpOverlay, parsePeerAddress, type PeerAddress} from "./tcp-overlay.js";
export {defaultOverlayOptions, type OverlayOptions} from "./options.js";
export {OverlayError, OverlayErrorCode} from "./errors.js";
export {MAX_LEDGERS_PER_REQUEST, OVERLAY_VERSION} from "./codec.js";
