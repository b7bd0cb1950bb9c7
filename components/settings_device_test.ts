import assert from "node:assert/strict";
import { describeDevice } from "./settings_device.ts";

Deno.test("describeDevice() names common browsers and systems", () => {
  const cases: Array<[string | undefined, string]> = [
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome on Linux",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
      "Firefox on Windows",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari on iPhone",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
      "Safari on macOS",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Edge on Windows",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36",
      "Headless Chrome on Linux",
    ],
    ["Deno/2.1.4", "Deno"],
    ["curl/8.5.0", "curl"],
    ["MyBot/1.0 (+https://example.com)", "MyBot"],
    [undefined, "Unknown device"],
    ["   ", "Unknown device"],
  ];
  for (const [agent, expected] of cases) assert.equal(describeDevice(agent), expected, agent);
});

Deno.test("describeDevice() cuts an unknown client's name", () => {
  assert.equal(describeDevice("x".repeat(300)), "x".repeat(40));
});
