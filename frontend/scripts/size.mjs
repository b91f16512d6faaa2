// Prints raw and gzip sizes of the built assets and the initial JS (what index.html loads
// eagerly), and fails when the initial JS exceeds the budget: the build check of issue #7.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const budget = Number(process.env.MPA_INITIAL_JS_BUDGET_KB ?? 500) * 1024;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

const html = readFileSync(join(dist, "index.html"), "utf8");
// Eager scripts: the entry module and every modulepreload link Vite injects into index.html.
// Eager: the entry module, every modulepreload/stylesheet link Vite injects into index.html, and
// MapLibre's worker, which the map starts as soon as it exists (so it is part of the 2D view).
const eager = new Set(
  [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:m?js|css))"/g)].map((m) => join(dist, m[1])),
);
for (const p of walk(join(dist, "assets"))) if (/maplibre-gl-worker.*\.mjs$/.test(p)) eager.add(p);

let initial = 0;
const rows = walk(dist)
  .filter((p) => /\.(m?js|css|html|wasm)$/.test(p))
  .map((p) => ({ p, raw: statSync(p).size, gz: gz(p), eager: eager.has(p) }))
  .sort((a, b) => b.gz - a.gz);
for (const r of rows) {
  if (r.eager && /\.m?js$/.test(r.p)) initial += r.gz;
  console.log(`${r.eager ? "initial " : "lazy    "} ${kb(r.raw).padStart(10)} ${kb(r.gz).padStart(10)} gzip  ${r.p.slice(dist.length)}`);
}
console.log(`initial JS: ${kb(initial)} gzip (budget ${kb(budget)})`);
if (initial > budget) {
  console.error("initial JS is over budget");
  process.exit(1);
}
