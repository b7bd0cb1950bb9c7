/**
 * The room settings dialog (loaded when first opened from the room menu): the
 * room's name and topic (editable by its owner and admins; every member sees a
 * change live through the `room` frame), the members with their roles, and for
 * the owner and admins: removing and banning members, the bans with unban; for
 * the owner: promoting and demoting admins, handing ownership on, and deleting
 * the room (typed confirmation). Plain members see it all read-only.
 *
 * The buttons mirror the server's rules (an admin manages plain members only);
 * the server decides anyway, and its refusal is shown as it says it.
 *
 * A native modal `<dialog>`: the rest of the page is inert while it is open (focus
 * stays inside), Escape closes it, and the header puts focus back on the menu.
 *
 * It imports nothing of the page's own code (see `_lazy.ts`), not even
 * lib/client/admin.ts: that would split lib/client/http.ts into one more chunk on
 * the room page. It speaks the same requests through `ChatApi.request`.
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Member, Role, Room, RoomBan, User } from "../lib/protocol/types.ts";
import type { Kit } from "./_lazy.ts";

export interface RoomAdminProps {
  kit: Kit;
  room: Room;
  me: User;
  members: Member[];
  onClose(): void;
}

const BUTTON =
  "rounded-lg border border-gray-300 px-2 py-1 text-xs font-medium hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-50 dark:border-gray-600 dark:hover:bg-gray-700";
const DANGER =
  "rounded-lg border border-red-300 px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 disabled:opacity-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-900/40";
const FIELD =
  "w-full rounded-lg border border-gray-300 bg-white px-2 py-1.5 text-sm text-gray-900 read-only:bg-gray-50 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100 dark:read-only:bg-gray-800";
const HEADING = "mb-2 text-sm font-semibold text-gray-700 dark:text-gray-200";
const BADGE: Record<Role, string> = {
  owner: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200",
  admin: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200",
  member: "bg-gray-100 text-gray-700 dark:bg-gray-700 dark:text-gray-200",
};

/** Whether `me` (with role `mine`) may remove or ban `target`: the server's rule. */
export function canManage(mine: Role | undefined, me: string, target: Member): boolean {
  if (target.id === me) return false;
  return mine === "owner" || (mine === "admin" && target.role === "member");
}

export function RoomAdmin({ kit, room, me, members, onClose }: RoomAdminProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const error = useSignal("");
  const saved = useSignal("");
  const bans = useSignal<RoomBan[] | null>(null);
  const confirmName = useSignal("");
  const busy = useSignal(false);
  const mine = members.find((m) => m.id === me.id)?.role;
  const admin = mine === "owner" || mine === "admin";
  const base = `/api/rooms/${encodeURIComponent(room.id)}`;
  const api = kit.chatApi();

  const loadBans = () =>
    api.request<{ bans: RoomBan[] }>("GET", `${base}/bans`).then(
      (answer) => bans.value = answer.bans,
      (failure) => error.value = `Bans could not be loaded: ${failure.message}`,
    );

  useEffect(() => {
    dialog.current?.showModal();
    if (admin) void loadBans();
  }, []);

  /** Runs one request; shows the server's refusal, if any. */
  const act = async (run: () => Promise<unknown>, done?: string) => {
    error.value = "";
    saved.value = "";
    busy.value = true;
    try {
      await run();
      if (done) saved.value = done;
      return true;
    } catch (failure) {
      error.value = (failure as Error).message;
      return false;
    } finally {
      busy.value = false;
    }
  };

  const member = (id: string) => `${base}/members/${encodeURIComponent(id)}`;
  const sorted = [...members].sort((a, b) =>
    rank(a.role) - rank(b.role) ||
    a.username.localeCompare(b.username, undefined, { sensitivity: "base" })
  );

  return (
    <dialog
      ref={dialog}
      aria-labelledby="room-admin-title"
      data-room-admin=""
      onClose={onClose}
      class="w-[min(36rem,calc(100vw-2rem))] max-h-[calc(100vh-4rem)] overflow-y-auto rounded-xl border border-gray-200 bg-white p-0 text-gray-900 shadow-2xl backdrop:bg-gray-900/60 dark:border-gray-700 dark:bg-gray-800 dark:text-gray-100"
    >
      <div class="flex items-center justify-between gap-2 border-b border-gray-200 px-5 py-3 dark:border-gray-700">
        <h2 id="room-admin-title" class="truncate text-base font-semibold">
          Settings of #{room.name}
        </h2>
        <button
          type="button"
          onClick={() => dialog.current?.close()}
          class="rounded-lg px-2 py-1 text-sm text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-700"
        >
          Close
        </button>
      </div>
      <div class="space-y-6 px-5 py-4">
        {error.value && (
          <p
            role="alert"
            class="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-900/40 dark:text-red-200"
          >
            {error.value}
          </p>
        )}
        {saved.value && (
          <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">
            {saved.value}
          </p>
        )}
        <form
          data-room-details=""
          class="space-y-3"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const value = (name: string) =>
              (form.elements.namedItem(name) as HTMLInputElement).value.trim();
            const changes: { name?: string; topic?: string } = {};
            if (value("name") !== room.name) changes.name = value("name");
            if (value("topic") !== (room.topic ?? "")) changes.topic = value("topic");
            if (!changes.name && changes.topic === undefined) return;
            void act(() => api.request("PATCH", base, changes), "Saved");
          }}
        >
          <label class="block text-sm font-medium">
            Name
            <input
              name="name"
              required
              maxLength={64}
              defaultValue={room.name}
              readOnly={!admin}
              class={`${FIELD} mt-1`}
            />
          </label>
          <label class="block text-sm font-medium">
            Topic
            <input
              name="topic"
              maxLength={256}
              defaultValue={room.topic ?? ""}
              readOnly={!admin}
              class={`${FIELD} mt-1`}
            />
          </label>
          {admin && (
            <button
              type="submit"
              disabled={busy.value}
              class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:opacity-50 dark:focus-visible:ring-offset-gray-800"
            >
              Save
            </button>
          )}
        </form>
        <section aria-labelledby="room-admin-members">
          <h3 id="room-admin-members" class={HEADING}>Members ({members.length})</h3>
          <ul class="divide-y divide-gray-100 dark:divide-gray-700">
            {sorted.map((m) => (
              <li
                key={m.id}
                data-admin-member={m.username}
                class="flex flex-wrap items-center gap-2 py-2"
              >
                <span class="min-w-0 flex-1 truncate text-sm">
                  <bdi class="font-medium">{m.displayName || m.username}</bdi>{" "}
                  <span class="text-xs text-gray-500 dark:text-gray-400">@{m.username}</span>
                </span>
                <span
                  data-role={m.role}
                  class={`rounded-full px-2 py-0.5 text-xs font-medium ${BADGE[m.role]}`}
                >
                  {m.role}
                </span>
                {mine === "owner" && m.id !== me.id && (
                  <span class="flex gap-1">
                    <button
                      type="button"
                      disabled={busy.value}
                      class={BUTTON}
                      onClick={() =>
                        act(() =>
                          api.request("PUT", member(m.id), {
                            role: m.role === "admin" ? "member" : "admin",
                          })
                        )}
                    >
                      {m.role === "admin" ? "Demote" : "Make admin"}
                    </button>
                    <button
                      type="button"
                      disabled={busy.value}
                      class={BUTTON}
                      onClick={() => {
                        if (!confirm(`Make ${m.username} the owner of #${room.name}?`)) return;
                        void act(() => api.request("PUT", member(m.id), { role: "owner" }));
                      }}
                    >
                      Make owner
                    </button>
                  </span>
                )}
                {canManage(mine, me.id, m) && (
                  <span class="flex gap-1">
                    <button
                      type="button"
                      disabled={busy.value}
                      class={DANGER}
                      aria-label={`Remove ${m.username}`}
                      onClick={() => act(() => api.request("DELETE", member(m.id)))}
                    >
                      Remove
                    </button>
                    <button
                      type="button"
                      disabled={busy.value}
                      class={DANGER}
                      aria-label={`Ban ${m.username}`}
                      onClick={async () => {
                        const body = { username: m.username };
                        if (await act(() => api.request("POST", `${base}/bans`, body))) {
                          void loadBans();
                        }
                      }}
                    >
                      Ban
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
        {admin && (
          <section aria-labelledby="room-admin-bans">
            <h3 id="room-admin-bans" class={HEADING}>Banned</h3>
            {bans.value?.length === 0 && (
              <p class="text-sm text-gray-500 dark:text-gray-400">Nobody is banned.</p>
            )}
            <ul class="divide-y divide-gray-100 dark:divide-gray-700">
              {bans.value?.map((ban) => (
                <li
                  key={ban.user.id}
                  data-ban={ban.user.username}
                  class="flex items-center gap-2 py-2"
                >
                  <span class="min-w-0 flex-1 truncate text-sm">@{ban.user.username}</span>
                  <button
                    type="button"
                    disabled={busy.value}
                    class={BUTTON}
                    onClick={async () => {
                      const path = `${base}/bans/${encodeURIComponent(ban.user.id)}`;
                      if (await act(() => api.request("DELETE", path))) void loadBans();
                    }}
                  >
                    Unban
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
        {mine === "owner" && (
          <section
            aria-labelledby="room-admin-delete"
            class="rounded-lg border border-red-200 p-3 dark:border-red-900"
          >
            <h3
              id="room-admin-delete"
              class="mb-1 text-sm font-semibold text-red-700 dark:text-red-300"
            >
              Delete room
            </h3>
            <p class="mb-2 text-xs text-gray-600 dark:text-gray-300">
              Its messages and files are deleted for everyone. Type <b>{room.name}</b> to confirm.
            </p>
            <div class="flex gap-2">
              <input
                aria-label="Room name, to confirm"
                data-confirm-delete=""
                autoComplete="off"
                value={confirmName.value}
                onInput={(event) => confirmName.value = event.currentTarget.value}
                class={FIELD}
              />
              <button
                type="button"
                data-delete-room=""
                disabled={busy.value || confirmName.value !== room.name}
                onClick={() => act(() => api.request("DELETE", base), "Room deleted")}
                class="shrink-0 rounded-lg bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 disabled:cursor-not-allowed disabled:opacity-50"
              >
                Delete room
              </button>
            </div>
          </section>
        )}
      </div>
    </dialog>
  );
}

function rank(role: Role): number {
  return role === "owner" ? 0 : role === "admin" ? 1 : 2;
}
