/**
 * @module `deno task icons`: draws the app's PNG icons from static/favicon.svg in
 * headless Chromium (Debian's, as the browser tests use), into static/icons/:
 * 192 and 512 px as the SVG is (rounded), and a 512 px maskable one (the colour to
 * the edges, the mark inside the middle 80 %, the safe zone a launcher may crop
 * to any shape). Run it again after changing the SVG; the PNGs are committed.
 */

import { chromium } from "playwright-core";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const STATIC = new URL("../../static/", import.meta.url);

async function main(): Promise<void> {
  const svg = await Deno.readTextFile(new URL("favicon.svg", STATIC));
  const mark = svg.replace(/<rect[^>]*\/>/, "").replace(/<svg[^>]*>/, "").replace("</svg>", "");
  const colour = /<rect[^>]*fill="([^"]+)"/.exec(svg)?.[1] ?? "#4f46e5";
  const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
    `<rect width="32" height="32" fill="${colour}"/>` +
    `<g transform="translate(3.2 3.2) scale(0.8)">${mark}</g></svg>`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const draw = async (source: string, size: number, file: string) => {
      await page.setViewportSize({ width: size, height: size });
      const url = `data:image/svg+xml;base64,${btoa(source)}`;
      await page.setContent(
        `<style>*{margin:0}body{background:transparent}</style>` +
          `<img src="${url}" width="${size}" height="${size}">`,
      );
      await page.locator("img").evaluate((img: HTMLImageElement) => img.decode());
      const png = await page.screenshot({ omitBackground: true, type: "png" });
      await Deno.writeFile(new URL(`icons/${file}`, STATIC), png);
      console.log(`static/icons/${file}: ${size}×${size}, ${png.byteLength} bytes`);
    };
    await Deno.mkdir(new URL("icons/", STATIC), { recursive: true });
    await draw(svg, 192, "icon-192.png");
    await draw(svg, 512, "icon-512.png");
    await draw(maskable, 512, "maskable-512.png");
  } finally {
    await browser.close();
  }
}

if (import.meta.main) await main();
