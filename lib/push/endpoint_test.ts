import assert from "node:assert/strict";
import { BadRequestError } from "../errors.ts";
import { checkEndpoint, isPublicAddress, parseEndpoint, type Resolver } from "./endpoint.ts";

const PUBLIC = [
  "8.8.8.8",
  "1.1.1.1",
  "100.63.255.255",
  "100.128.0.1",
  "172.15.255.255",
  "172.32.0.1",
  "192.167.1.1",
  "169.253.1.1",
  "223.255.255.255",
  "2001:4860:4860::8888",
  "2a00:1450:4001:82b::200a",
  "::ffff:8.8.8.8",
  "::ffff:808:808",
  "64:ff9b::808:808",
  "2002:808:808::1",
];

const NOT_PUBLIC = [
  ["0.0.0.0", "this network"],
  ["0.1.2.3", "this network"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["100.64.0.1", "CGNAT"],
  ["100.127.255.255", "CGNAT"],
  ["127.0.0.1", "loopback"],
  ["127.255.0.9", "loopback"],
  ["169.254.169.254", "link-local (cloud metadata)"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["192.168.1.1", "private"],
  ["192.0.2.1", "documentation"],
  ["198.18.0.1", "benchmarking"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["240.0.0.1", "reserved"],
  ["255.255.255.255", "broadcast"],
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["fc00::1", "unique local"],
  ["fd12:3456:789a::1", "unique local"],
  ["fe80::1", "link-local"],
  ["febf::1", "link-local"],
  ["ff02::1", "multicast"],
  ["::ffff:10.0.0.1", "mapped private"],
  ["::ffff:a00:1", "mapped private, hex"],
  ["::ffff:127.0.0.1", "mapped loopback"],
  ["::ffff:169.254.169.254", "mapped link-local"],
  ["::127.0.0.1", "IPv4-compatible loopback"],
  ["64:ff9b::a00:1", "NAT64 of a private address"],
  ["2002:a00:1::1", "6to4 of a private address"],
  ["2001:db8::1", "documentation"],
  ["2001:0:4136:e378::1", "Teredo"],
  ["not an address", "garbage"],
  ["1.2.3", "short"],
  ["1.2.3.256", "out of range"],
  ["1::2::3", "two ::"],
  ["fe80::1%eth0", "zone"],
] as const;

Deno.test("isPublicAddress() tells public unicast from every non-public class", () => {
  for (const address of PUBLIC) assert.ok(isPublicAddress(address), address);
  for (const [address, why] of NOT_PUBLIC) {
    assert.equal(isPublicAddress(address), false, `${address} (${why})`);
  }
});

/** A resolver with fixed answers; a name it does not know does not resolve. */
function dns(records: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  return Object.assign((host: string) => {
    asked.push(host);
    return Promise.resolve(records[host] ?? []);
  }, { asked });
}

async function refused(input: unknown, message: RegExp, resolve: Resolver = dns({})) {
  await assert.rejects(checkEndpoint(input, { allowPrivate: false, resolve }), (err) => {
    assert.ok(err instanceof BadRequestError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

Deno.test("checkEndpoint() refuses what is not an https: URL of at most 2048 characters", async () => {
  await refused(undefined, /needs an "endpoint"/);
  await refused(42, /needs an "endpoint"/);
  await refused("", /needs an "endpoint"/);
  await refused("not a url", /not a valid URL/);
  await refused("http://push.example.com/x", /must be an https: URL, got "http:"/);
  await refused("javascript:alert(1)", /must be an https: URL/);
  await refused("https://user:pw@push.example.com/x", /user name or password/);
  const long = "https://push.example.com/" + "a".repeat(2048);
  await refused(long, /too long: 2073 characters, the limit is 2048/);
  // 2048 exactly is fine.
  const resolve = dns({ "push.example.com": ["93.184.216.34"] });
  const edge = "https://push.example.com/" + "a".repeat(2048 - 25);
  assert.equal((await checkEndpoint(edge, { allowPrivate: false, resolve })).href, edge);
});

Deno.test("checkEndpoint() refuses local names and non-public literals without resolving", async () => {
  const resolve = dns({});
  for (
    const host of [
      "localhost",
      "LOCALHOST",
      "localhost.",
      "push.localhost",
      "intranet",
      "127.0.0.1",
      "10.0.0.1",
      "[::1]",
      "[::ffff:192.168.0.1]",
      "0x7f.1", // URL reads it as 127.0.0.1
      "2130706433", // and this
      "169.254.169.254",
    ]
  ) {
    await refused(`https://${host}:8443/push`, /is refused: ".*" is a loopback, private/, resolve);
  }
  assert.deepEqual(resolve.asked, []);
});

Deno.test("checkEndpoint() resolves names: every address must be public", async () => {
  const resolve = dns({
    "fcm.googleapis.com": ["142.250.74.106", "2a00:1450:4001:82b::200a"],
    "rebind.example.com": ["93.184.216.34", "10.0.0.1"],
    "v6local.example.com": ["fd00::1"],
    "metadata.example.com": ["169.254.169.254"],
  });
  const ok = await checkEndpoint("https://fcm.googleapis.com/fcm/send/abc", {
    allowPrivate: false,
    resolve,
  });
  assert.equal(ok.host, "fcm.googleapis.com");
  await refused("https://rebind.example.com/x", /"rebind.example.com" is a loopback/, resolve);
  await refused("https://v6local.example.com/x", /is refused/, resolve);
  await refused("https://metadata.example.com/x", /is refused/, resolve);
  await refused(
    "https://nowhere.example.com/x",
    /does not resolve: "nowhere.example.com"/,
    resolve,
  );
  const failing: Resolver = () => Promise.reject(new Error("no DNS"));
  await refused("https://fcm.googleapis.com/x", /does not resolve/, failing);
  // A public literal needs no lookup.
  assert.equal(
    (await checkEndpoint("https://8.8.8.8/x", { allowPrivate: false, resolve: failing })).host,
    "8.8.8.8",
  );
});

Deno.test("allowPrivate lifts the address rule only", async () => {
  const resolve = dns({});
  const options = { allowPrivate: true, resolve };
  assert.equal((await checkEndpoint("https://127.0.0.1:9/x", options)).port, "9");
  assert.equal((await checkEndpoint("https://localhost/x", options)).hostname, "localhost");
  assert.equal((await checkEndpoint("https://anything.example/x", options)).pathname, "/x");
  assert.deepEqual(resolve.asked, [], "no lookups");
  assert.throws(() => parseEndpoint("http://127.0.0.1/x", options), /https:/);
  assert.throws(() => parseEndpoint("https://x/" + "a".repeat(2048), options), /too long/);
});
