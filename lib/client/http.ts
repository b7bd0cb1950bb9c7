/**
 * @module The HTTP half of the client library, whole: one typed method per endpoint
 * of the contract. Used by the terminal client, the benchmarks and the tests. The
 * room page imports http_core.ts instead (see there).
 */

export * from "./http_core.ts";
import "./http_more.ts";
