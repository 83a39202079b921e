/** Errors of the Janus adapter. They never leave media/ untranslated: callers see `MediaError`s. */

/** Janus core error codes (janus/apierror.h) that the adapter reacts to. */
export const JanusErrorCode = {
  UNAUTHORIZED: 403,
  UNAUTHORIZED_PLUGIN: 405,
  UNKNOWN: 490,
  TRANSPORT_SPECIFIC: 450,
  MISSING_REQUEST: 452,
  UNKNOWN_REQUEST: 453,
  INVALID_JSON: 454,
  INVALID_JSON_OBJECT: 455,
  MISSING_MANDATORY_ELEMENT: 456,
  INVALID_REQUEST_PATH: 457,
  SESSION_NOT_FOUND: 458,
  HANDLE_NOT_FOUND: 459,
  PLUGIN_NOT_FOUND: 460,
  PLUGIN_ATTACH: 461,
  PLUGIN_MESSAGE: 462,
  PLUGIN_DETACH: 463,
  JSEP_UNKNOWN_TYPE: 464,
  JSEP_INVALID_SDP: 465,
  TRICKE_INVALID_STREAM: 466,
  INVALID_ELEMENT_TYPE: 467,
  SESSION_CONFLICT: 468,
  UNEXPECTED_ANSWER: 469,
  TOKEN_NOT_FOUND: 470,
  WEBRTC_STATE: 471,
  NOT_ACCEPTING_SESSIONS: 472,
} as const;

/** VideoRoom plugin error codes (plugins/janus_videoroom.c). */
export const VideoRoomErrorCode = {
  UNKNOWN_ERROR: 499,
  NO_MESSAGE: 421,
  INVALID_JSON: 422,
  INVALID_REQUEST: 423,
  JOIN_FIRST: 424,
  ALREADY_JOINED: 425,
  NO_SUCH_ROOM: 426,
  ROOM_EXISTS: 427,
  NO_SUCH_FEED: 428,
  MISSING_ELEMENT: 429,
  INVALID_ELEMENT: 430,
  INVALID_SDP_TYPE: 431,
  PUBLISHERS_FULL: 432,
  UNAUTHORIZED: 433,
  ALREADY_PUBLISHED: 434,
  NOT_PUBLISHED: 435,
  ID_EXISTS: 436,
  INVALID_SDP: 437,
} as const;

export class JanusError extends Error {
  constructor(
    message: string,
    /** Janus core error code, or a plugin's `error_code`. */
    public readonly code: number,
  ) {
    super(message);
    this.name = 'JanusError';
  }
}

/** An error answer of the Janus core (`{"janus":"error"}`). */
export class JanusApiError extends JanusError {
  constructor(
    code: number,
    public readonly reason: string,
    public readonly request: string,
  ) {
    super(`Janus refused "${request}": ${reason} (${code})`, code);
    this.name = 'JanusApiError';
  }
}

/** An error reported by a plugin inside a successful core answer (`plugindata.data.error_code`). */
export class JanusPluginError extends JanusError {
  constructor(
    public readonly plugin: string,
    code: number,
    public readonly reason: string,
    public readonly request: string,
  ) {
    super(`${plugin} refused "${request}": ${reason} (${code})`, code);
    this.name = 'JanusPluginError';
  }
}

/** No answer within the request timeout. */
export class JanusTimeoutError extends JanusError {
  constructor(public readonly request: string, timeoutMs: number) {
    super(`Janus did not answer "${request}" within ${timeoutMs} ms`, 0);
    this.name = 'JanusTimeoutError';
  }
}

/** The connection, session or handle is gone (closed locally or dropped by Janus). */
export class JanusClosedError extends JanusError {
  constructor(what: string) {
    super(`${what} is closed`, 0);
    this.name = 'JanusClosedError';
  }
}
