/**
 * @module The contract's limits, in one place for the server and every client.
 */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const ROOM_NAME_MAX = 64;
export const TOPIC_MAX = 256;
export const MESSAGE_MAX = 4000;
export const CLIENT_ID_MAX = 64;
export const REF_MAX = 64;
/** HTTP request bodies, in bytes. */
export const HTTP_BODY_MAX = 64 * 1024;
/** WebSocket frames, in bytes (larger: close 1009). */
export const WS_FRAME_MAX = 16 * 1024;
export const HISTORY_DEFAULT = 50;
export const HISTORY_MAX = 100;
/** Missed messages a `subscribe` with `since` replays; beyond it `recovered` is false. */
export const REPLAY_MAX = 1000;
/** v2: distinct emoji one message may carry. */
export const REACTIONS_MAX = 20;
/** v2: an emoji's size in UTF-8 bytes. */
export const EMOJI_MAX_BYTES = 32;
/** v2: reacting user ids listed per emoji on a message. */
export const REACTION_USERS_SHOWN = 100;
/** v2: the characters of the original a reply's `excerpt` holds. */
export const EXCERPT_MAX = 200;
/** v2: `GET …/changes`: default and largest page. */
export const CHANGES_DEFAULT = 100;
export const CHANGES_MAX = 500;
/** v2: files one message may carry. */
export const FILES_PER_MESSAGE = 10;
/** v2: a file name's size in UTF-8 bytes. */
export const FILE_NAME_MAX_BYTES = 255;
/** v2: the largest image, in pixels (decompression bombs are refused from the header). */
export const IMAGE_PIXELS_MAX = 40_000_000;
/** v2: a thumbnail's longest side. */
export const THUMB_MAX = 400;
/** v2 "People": an avatar upload at most (bytes); what is kept is AVATAR_SIDE square. */
export const AVATAR_UPLOAD_MAX = 5 * 1024 * 1024;
/** The side of a stored avatar (px). */
export const AVATAR_SIDE = 256;
/** A stored avatar's JPEG at most (one KV value). */
export const AVATAR_BYTES_MAX = 60_000;
/** Ids are opaque, but the server only ever mints these characters and lengths. */
export const ID_MAX = 40;

/** Close codes. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_RESTARTING = 1012;
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_FLOODING = 4029;
