/**
 * @module The fan-out chart: end-to-end latency against offered load, one line per
 * server (p99 solid, p50 dashed), latency on a log scale, as a standalone SVG.
 */

export interface Series {
  name: string;
  color: string;
  /** x: offered messages per second; y: latency in ms. */
  p99: Array<[number, number]>;
  p50: Array<[number, number]>;
}

const W = 800;
const H = 460;
const M = { top: 48, right: 200, bottom: 56, left: 64 };

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceStep(span: number): number {
  const raw = span / 6;
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * pow) return m * pow;
  return 10 * pow;
}

export function fanoutChart(
  series: Series[],
  options: { title: string; subtitle: string; limitMs?: number },
): string {
  const points = series.flatMap((s) => [...s.p99, ...s.p50]).filter(([, y]) => y > 0);
  const xMax = Math.max(1, ...points.map(([x]) => x)) * 1.05;
  const yMinData = Math.min(...points.map(([, y]) => y), options.limitMs ?? Infinity);
  const yMaxData = Math.max(...points.map(([, y]) => y), options.limitMs ?? 0);
  const yMin = 10 **
    Math.floor(Math.log10(Math.max(0.1, Number.isFinite(yMinData) ? yMinData : 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(yMin * 10, yMaxData || 1)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (x: number) => M.left + (x / xMax) * pw;
  const sy = (y: number) =>
    M.top + ph - ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) /
        (Math.log10(yMax) - Math.log10(yMin))) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="15" font-weight="600">${esc(options.title)}</text>`,
    `<text x="${M.left}" y="37" fill="#555">${esc(options.subtitle)}</text>`,
  );
  // Grid and axes.
  for (let decade = yMin; decade <= yMax * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const y = decade * m;
      if (y > yMax * 1.0001) break;
      const py = sy(y).toFixed(1);
      out.push(
        `<line x1="${M.left}" x2="${M.left + pw}" y1="${py}" y2="${py}" stroke="${
          m === 1 ? "#ddd" : "#f0f0f0"
        }"/>`,
        `<text x="${
          M.left - 6
        }" y="${py}" text-anchor="end" dominant-baseline="middle" fill="#444">${y}</text>`,
      );
    }
  }
  const step = niceStep(xMax);
  for (let x = 0; x <= xMax; x += step) {
    const px = sx(x).toFixed(1);
    out.push(
      `<line x1="${px}" x2="${px}" y1="${M.top}" y2="${M.top + ph}" stroke="#f0f0f0"/>`,
      `<text x="${px}" y="${M.top + ph + 16}" text-anchor="middle" fill="#444">${x}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${M.left + pw / 2}" y="${
      H - 14
    }" text-anchor="middle">offered load: messages sent per second into the room (× 200 deliveries each)</text>`,
    `<text transform="translate(16 ${
      M.top + ph / 2
    }) rotate(-90)" text-anchor="middle">end-to-end latency, ms (log scale)</text>`,
  );
  if (options.limitMs) {
    const py = sy(options.limitMs).toFixed(1);
    out.push(
      `<line x1="${M.left}" x2="${
        M.left + pw
      }" y1="${py}" y2="${py}" stroke="#c00" stroke-dasharray="2 3"/>`,
      `<text x="${M.left + pw - 4}" y="${
        Number(py) - 4
      }" text-anchor="end" fill="#c00">p99 limit ${options.limitMs} ms</text>`,
    );
  }
  // Lines.
  for (const s of series) {
    for (const [data, dash, width] of [[s.p99, "", 2], [s.p50, "5 4", 1.5]] as const) {
      if (data.length === 0) continue;
      const d = data.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
        .join(" ");
      out.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${width}"${
          dash ? ` stroke-dasharray="${dash}"` : ""
        }/>`,
      );
      for (const [x, y] of data) {
        out.push(
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" ${
            dash ? `fill="#fff" stroke="${s.color}"` : `fill="${s.color}"`
          }/>`,
        );
      }
    }
  }
  // Legend.
  const lx = M.left + pw + 16;
  series.forEach((s, i) => {
    const ly = M.top + 10 + i * 22;
    out.push(
      `<line x1="${lx}" x2="${
        lx + 24
      }" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  const ly = M.top + 10 + series.length * 22 + 8;
  out.push(
    `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="#333" stroke-width="2"/>`,
    `<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">p99</text>`,
    `<line x1="${lx}" x2="${lx + 24}" y1="${ly + 18}" y2="${
      ly + 18
    }" stroke="#333" stroke-width="1.5" stroke-dasharray="5 4"/>`,
    `<text x="${lx + 30}" y="${ly + 18}" dominant-baseline="middle">p50</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}
