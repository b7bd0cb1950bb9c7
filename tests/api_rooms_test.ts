/**
 * Rooms and membership of PROTOCOL.md against the real server over real sockets:
 * creating rooms, the directory, room details with presence, my rooms by activity
 * with unread counts, joining, invites, pending invitations and leaving. Each test
 * starts its own server; every step uses its own users so steps stay independent
 * of each other's data.
 */

import assert from "node:assert/strict";
import type { Invitation, Member, Room } from "../lib/protocol/types.ts";
import { sleep } from "./_clients.ts";
import { API_ENV, delay, eventually, rejects, withServer } from "./_api.ts";

Deno.test({
  name: "rooms: create, directory, details with presence, and my rooms by activity with unread",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ raw, newUser, socketOf }) => {
      await t.step("POST /api/rooms creates public rooms by default, or private ones", async () => {
        const owner = await newUser("creator");
        const before = Date.now();
        const res = await raw("POST", "/api/rooms", {
          token: owner.token,
          body: { name: "  General  " },
        });
        assert.equal(res.status, 201);
        const room: Room = res.body.room;
        assert.equal(typeof room.id, "string");
        assert.equal(room.name, "General");
        assert.equal(room.topic, "");
        assert.equal(room.kind, "public");
        assert.equal(room.lastSeq, 0);
        assert.ok(room.createdAt >= before - 1000 && room.createdAt <= Date.now() + 1000);

        const secret = await owner.createRoom("Secret", { kind: "private", topic: "Plans" });
        assert.equal(secret.kind, "private");
        assert.equal(secret.topic, "Plans");
        const explicit = await owner.createRoom("Open", { kind: "public" });
        assert.equal(explicit.kind, "public");

        const details = await owner.room(room.id);
        assert.deepEqual(details.members.map((m) => [m.id, m.role]), [[owner.userId, "owner"]]);
        const mine = (await owner.rooms()).map((r) => r.id).sort();
        assert.deepEqual(mine, [room.id, secret.id, explicit.id].sort());
      });

      await t.step(
        "directory lists public rooms with memberCount and joined, nothing else",
        async () => {
          const owner = await newUser("dir");
          const visitor = await newUser("visitor");
          const open = await owner.createRoom("Directory open");
          const hidden = await owner.createRoom("Directory hidden", { kind: "private" });
          const dm = await owner.dm(visitor.name);

          const seen = await visitor.directory();
          const entry = seen.find((r) => r.id === open.id);
          assert.ok(entry, "the public room is listed");
          assert.equal(entry.name, "Directory open");
          assert.equal(entry.kind, "public");
          assert.equal(entry.memberCount, 1);
          assert.equal(entry.joined, false);
          assert.ok(seen.every((r) => r.kind === "public"));
          assert.ok(!seen.some((r) => r.id === hidden.id || r.id === dm.id));

          await visitor.join(open.id);
          const after = (await visitor.directory()).find((r) => r.id === open.id)!;
          assert.equal(after.memberCount, 2);
          assert.equal(after.joined, true);
          assert.equal((await owner.directory()).find((r) => r.id === open.id)!.joined, true);
        },
      );

      await t.step(
        "GET /api/rooms/:id: members with role, online, lastSeenAt; 404 and 403 rules",
        async () => {
          const owner = await newUser("det");
          const member = await newUser("detm");
          const stranger = await newUser("dets");
          const open = await owner.createRoom("Details", { topic: "About" });
          await member.join(open.id);
          const socket = await socketOf(owner);

          await eventually(async () => {
            const { room, members } = await stranger.room(open.id);
            assert.equal(room.id, open.id);
            assert.equal(room.topic, "About");
            const byId = new Map(members.map((m: Member) => [m.id, m]));
            assert.equal(members.length, 2);
            const o = byId.get(owner.userId)!;
            assert.deepEqual(
              { username: o.username, role: o.role, online: o.online },
              { username: owner.name, role: "owner", online: true },
            );
            assert.equal(typeof o.lastSeenAt, "number");
            const m = byId.get(member.userId)!;
            assert.deepEqual(
              { username: m.username, role: m.role, online: m.online },
              { username: member.name, role: "member", online: false },
            );
            assert.ok(m.lastSeenAt === null || typeof m.lastSeenAt === "number");
          });
          socket.close();

          const secret = await owner.createRoom("Details private", { kind: "private" });
          await rejects(stranger.room(secret.id), 403, "forbidden");
          assert.equal((await owner.room(secret.id)).room.kind, "private");
          await rejects(stranger.room("doesnotexist0000"), 404, "not_found");
        },
      );

      await t.step(
        "my rooms: most recent activity first, unread counted from read markers",
        async () => {
          const me = await newUser("mine");
          const friend = await newUser("friend");
          const lurker = await newUser("lurker");
          const r1 = await me.createRoom("Activity 1");
          await delay(5);
          const r2 = await me.createRoom("Activity 2");
          await delay(5);
          const r3 = await me.createRoom("Activity 3");
          await friend.join(r1.id);
          await friend.join(r2.id);
          await lurker.join(r1.id);
          const order = async () => (await me.rooms()).map((r) => r.id);
          assert.deepEqual(await order(), [r3.id, r2.id, r1.id]);

          await delay(5);
          for (const text of ["a", "b", "c"]) await friend.send(r1.id, text);
          assert.deepEqual(await order(), [r1.id, r3.id, r2.id]);
          await delay(5);
          await friend.send(r2.id, "d");
          assert.deepEqual(await order(), [r2.id, r1.id, r3.id]);

          const unread = async () =>
            Object.fromEntries((await me.rooms()).map((r) => [r.id, [r.unread, r.lastSeq]]));
          assert.deepEqual(await unread(), { [r1.id]: [3, 3], [r2.id]: [1, 1], [r3.id]: [0, 0] });

          // Read markers move over the socket; the HTTP listing follows.
          const socket = await socketOf(me);
          socket.read(r1.id, 2);
          await eventually(async () => assert.equal((await unread())[r1.id][0], 1));
          socket.read(r1.id, 3);
          socket.read(r2.id, 1);
          await eventually(async () => {
            assert.deepEqual(await unread(), { [r1.id]: [0, 3], [r2.id]: [0, 1], [r3.id]: [0, 0] });
          });
          await friend.send(r1.id, "e");
          assert.equal((await unread())[r1.id][0], 1);
          socket.close();

          // Someone else's marker is theirs alone.
          const theirs = (await lurker.rooms()).map((r) => [r.id, r.unread]);
          assert.deepEqual(theirs, [[r1.id, 4]]);
        },
      );
    });
  },
});

Deno.test({
  name: "rooms: join, invites, invitations and leave follow the membership rules",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ raw, newUser }) => {
      await t.step("join: public for anyone and twice is fine; private only invited", async () => {
        const owner = await newUser("join");
        const guest = await newUser("guest");
        const open = await owner.createRoom("Joinable");
        const res = await raw("POST", `/api/rooms/${open.id}/join`, { token: guest.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.room.id, open.id);
        assert.equal(res.body.room.kind, "public");
        const again = await guest.join(open.id);
        assert.equal(again.id, open.id);
        const { members } = await owner.room(open.id);
        assert.equal(members.filter((m) => m.id === guest.userId).length, 1);
        assert.equal(members.find((m) => m.id === guest.userId)!.role, "member");

        const secret = await owner.createRoom("Invite only", { kind: "private" });
        await rejects(guest.join(secret.id), 403, "forbidden");
        assert.equal((await owner.room(secret.id)).members.length, 1);
        assert.ok(!(await guest.rooms()).some((r) => r.id === secret.id));

        await rejects(guest.join("doesnotexist0000"), 404, "not_found");
      });

      await t.step("invites: members invite, then the invitee can join", async () => {
        const owner = await newUser("inv");
        const invitee = await newUser("invitee");
        const third = await newUser("third");
        const secret = await owner.createRoom("Invites", { kind: "private" });

        // A non-member cannot invite, not even themselves.
        await rejects(third.invite(secret.id, third.name), 403, "forbidden");
        await rejects(third.join(secret.id), 403, "forbidden");

        const res = await raw("POST", `/api/rooms/${secret.id}/invites`, {
          token: owner.token,
          body: { username: invitee.name },
        });
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        const joined = await invitee.join(secret.id);
        assert.equal(joined.id, secret.id);
        assert.equal(joined.kind, "private");
        assert.equal((await invitee.room(secret.id)).members.length, 2);

        // Any member may invite, not only the owner.
        await invitee.invite(secret.id, third.name);
        await third.join(secret.id);
        assert.deepEqual(
          (await owner.room(secret.id)).members.map((m) => m.id).sort(),
          [owner.userId, invitee.userId, third.userId].sort(),
        );

        // Asked for (Prefer: return=representation), the answer says what happened;
        // inviting a member or myself changes nothing either way.
        const prefer = { prefer: "return=representation" };
        const outcome = async (token: string | undefined, username: string) => {
          const res = await raw("POST", `/api/rooms/${secret.id}/invites`, {
            token,
            body: { username },
            headers: prefer,
          });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("preference-applied"), "return=representation");
          const { invite } = res.body as { invite: Record<string, unknown> };
          assert.equal(invite.roomId, secret.id);
          assert.equal((invite.user as { username: string }).username, username);
          return invite.outcome;
        };
        assert.equal(await outcome(owner.token, invitee.name), "already_member");
        assert.equal(await outcome(owner.token, owner.name), "self");
        const late = await newUser("late");
        assert.equal(await outcome(invitee.token, late.name), "invited");
        assert.equal((await late.invites()).length, 1);
        assert.equal((await owner.room(secret.id)).members.length, 3);
        assert.equal((await invitee.invite(secret.id, third.name)).outcome, "already_member");

        await rejects(owner.invite(secret.id, "no_such_user_here"), 404, "not_found");
        await rejects(owner.invite("doesnotexist0000", invitee.name), 404, "not_found");
      });

      await t.step("invitations: listed until joined or declined, newest first", async () => {
        const owner = await newUser("host");
        const friend = await newUser("friend");
        const guest = await newUser("guest");
        const first = await owner.createRoom("Invited first", { kind: "private" });
        const second = await owner.createRoom("Invited second", { kind: "private" });
        assert.deepEqual(await guest.invites(), []);
        await owner.invite(first.id, guest.name);
        await sleep(5); // invitation times differ
        await owner.invite(second.id, guest.name);

        const res = await raw("GET", "/api/invites", { token: guest.token });
        assert.equal(res.status, 200);
        const invites = res.body.invites as Invitation[];
        assert.deepEqual(invites.map((i) => i.room.id), [second.id, first.id]);
        assert.equal(invites[0].room.name, "Invited second");
        assert.equal(invites[0].room.kind, "private");
        assert.deepEqual(invites[0].invitedBy, { id: owner.userId, username: owner.name });
        assert.ok(invites[0].invitedAt >= invites[1].invitedAt);
        // Nobody else sees them; an invitation does not make a member.
        assert.deepEqual(await friend.invites(), []);
        assert.ok(!(await guest.rooms()).some((r) => r.id === first.id));
        await rejects(guest.send(first.id, "not yet"), 403, "forbidden");

        // Declining: 204, gone from the list, and the door is shut again.
        const declined = await raw("DELETE", `/api/invites/${second.id}`, { token: guest.token });
        assert.equal(declined.status, 204);
        assert.equal(declined.body, undefined);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [first.id]);
        await rejects(guest.join(second.id), 403, "forbidden");
        // Twice is fine (as joining twice is); a room that does not exist is not.
        await guest.decline(second.id);
        await rejects(guest.decline("doesnotexist0000"), 404, "not_found");
        assert.equal(
          (await raw("DELETE", `/api/invites/${first.id}`, {})).status,
          401,
          "signed in only",
        );
        // A member may invite again after a decline.
        await owner.invite(second.id, guest.name);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id, first.id]);

        // Joining uses an invitation up.
        await guest.join(first.id);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id]);
        // Inviting a member changes nothing.
        await owner.invite(first.id, guest.name);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id]);
        // Declining a room I am in leaves me in it.
        await guest.decline(first.id);
        assert.ok((await guest.rooms()).some((r) => r.id === first.id));
      });

      await t.step("leave answers 204 and ends the membership", async () => {
        const owner = await newUser("leave");
        const member = await newUser("leaver");
        const open = await owner.createRoom("Leaving");
        await member.join(open.id);
        const res = await raw("POST", `/api/rooms/${open.id}/leave`, { token: member.token });
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        assert.ok(!(await member.rooms()).some((r) => r.id === open.id));
        assert.deepEqual((await owner.room(open.id)).members.map((m) => m.id), [owner.userId]);
        const entry = (await member.directory()).find((r) => r.id === open.id)!;
        assert.equal(entry.joined, false);
        assert.equal(entry.memberCount, 1);
        await rejects(member.send(open.id, "still here?"), 403, "forbidden");
        assert.equal((await owner.room(open.id)).room.lastSeq, 0);

        // A private room's invitation is used up by joining: leaving is for good.
        const secret = await owner.createRoom("Leaving private", { kind: "private" });
        await owner.invite(secret.id, member.name);
        await member.join(secret.id);
        await member.leave(secret.id);
        await rejects(member.join(secret.id), 403, "forbidden");
        await rejects(member.room(secret.id), 403, "forbidden");
        await rejects(member.leave("doesnotexist0000"), 404, "not_found");
      });
    });
  },
});
