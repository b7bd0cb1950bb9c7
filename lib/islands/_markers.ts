/**
 * @module Names shared by the server renderer and the browser boot script.
 */

/** Custom element wrapping each server-rendered island (`display: contents`). */
export const ISLAND_TAG = "island-root";

/** Id of the `<script type="application/json">` holding every island's props. */
export const PROPS_ID = "__islands";

/** Server-sent events endpoint the dev reload script listens to (dev only). */
export const DEV_RELOAD_PATH = "/_dev/reload";
