// Builds api/static/explorer/ (committed) from src/: one JavaScript file, one CSS file,
// and LICENSES.txt with the licence of every npm package bundled into them.
//   npm ci && npm run build
import { build } from "esbuild";
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "explorer");
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { explorer: join(here, "src", "main.js") },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  legalComments: "none", // gathered whole in LICENSES.txt instead
  metafile: true,
  logLevel: "info",
});
await build({
  entryPoints: [join(here, "src", "explorer.css")],
  bundle: true,
  minify: true,
  outfile: join(out, "explorer.css"),
  logLevel: "info",
});

// The packages whose code is in the bundle, from esbuild's list of its inputs.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (!match || packages.has(match[1])) continue;
  const root = join(here, "node_modules", match[1]);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const licenceFile = readdirSync(root).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  packages.set(match[1], {
    version: manifest.version,
    license: manifest.license,
    text: licenceFile ? readFileSync(join(root, licenceFile), "utf8").trim() : `${manifest.license} (no licence file in the package)`,
  });
}
const names = [...packages.keys()].sort();
const text = [
  "Third-party software bundled into explorer.js, built from api/frontend (package-lock.json).",
  "",
  ...names.map((name) => `- ${name} ${packages.get(name).version} (${packages.get(name).license})`),
  "",
  ...names.flatMap((name) => [`=== ${name} ${packages.get(name).version}`, "", packages.get(name).text, ""]),
].join("\n");
writeFileSync(join(out, "LICENSES.txt"), text);
console.log(`bundled: ${names.join(", ")}`);
