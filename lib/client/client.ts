/**
 * @module Entry of the client library: the HTTP API and the live socket together.
 */

export { ApiError, ChatApi, NetworkError } from "./http.ts";
export type { AuthResult, ChatApiOptions, HistoryQuery } from "./http.ts";
export { ChatSocket, FrameRequestError } from "./socket.ts";
export type { ChatSocketOptions, ConnectionState } from "./socket.ts";
export type * from "../protocol/types.ts";
export type { ClientFrame, ServerFrame, ServerFrameOf } from "../protocol/frames.ts";
