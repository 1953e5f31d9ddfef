// Builds the web service's front-end assets (no dependencies beyond Node.js >= 20):
//   site.css  KERN UX's font faces (Fira Sans) + KERN UX's stylesheet + assets/app.css
//   site.js   assets/app.js
//   fonts/    the font files site.css refers to (its url()s are rewritten to them)
//   manifest.json  a short content hash per file, for cache-busting query strings
// Output: src/web/static/dist/, or the directory given as the first argument. The directory is
// built beside the target and swapped in at the end, so a half-built one is never served.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.resolve(process.argv[2] ?? path.join(root, "src", "web", "static", "dist"));
const kernPackage = createRequire(import.meta.url).resolve("@kern-ux/native/package.json");
const kern = path.dirname(kernPackage);
const kernVersion = JSON.parse(await readFile(kernPackage, "utf8")).version;

// In cascade order: KERN first, our layout glue last.
const stylesheets = [
  path.join(kern, "dist", "fonts", "fira-sans.css"),
  path.join(kern, "dist", "kern.min.css"),
  path.join(root, "assets", "app.css"),
];
const scripts = [path.join(root, "assets", "app.js")];

const URL_PATTERN = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]*))\s*\)/g;
const FONT = /\.(woff2?|ttf|otf|eot)$/i;

const work = `${out}.tmp-${process.pid}`;
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });

const copied = new Map(); // output name -> source file
async function bring(source) {
  const folder = FONT.test(source) ? "fonts" : "files";
  const name = `${folder}/${path.basename(source)}`;
  const earlier = copied.get(name);
  if (earlier && earlier !== source) {
    throw new Error(`two different files would both become ${name}: ${earlier}, ${source}`);
  }
  if (!earlier) {
    await mkdir(path.join(work, folder), { recursive: true });
    await copyFile(source, path.join(work, name));
    copied.set(name, source);
  }
  return name;
}

async function stylesheet(file) {
  const text = (await readFile(file, "utf8"))
    .replace(/^\uFEFF?@charset\s+"[^"]*";/i, "")
    .replace(/\/\*# sourceMappingURL=[^*]*\*\//g, "");
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const target = match[1] ?? match[2] ?? match[3];
    parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (/^(data:|#|[a-z][a-z0-9+.-]*:|\/)/i.test(target) || target === "") {
      parts.push(match[0]); // inline data, fragments and absolute URLs stay as they are
      continue;
    }
    const source = path.resolve(path.dirname(file), target.split(/[?#]/)[0]);
    parts.push(`url("${await bring(source)}")`);
  }
  parts.push(text.slice(last));
  return `/* ${path.relative(root, file).split(path.sep).join("/")} */\n${parts.join("").trim()}\n`;
}

const banner =
  `/* KERN UX (@kern-ux/native ${kernVersion}, EUPL-1.2, https://www.kern-ux.de), ` +
  "Fira Sans (SIL Open Font License 1.1), and the schulerfolg web service's layout glue. */\n";
const css = ['@charset "UTF-8";\n', banner];
for (const file of stylesheets) css.push(await stylesheet(file));
const js = [];
for (const file of scripts) js.push(await readFile(file, "utf8"));

const outputs = { "site.css": css.join(""), "site.js": js.join("\n") };
const manifest = { kern: kernVersion, files: {} };
for (const [name, content] of Object.entries(outputs)) {
  await writeFile(path.join(work, name), content);
  manifest.files[name] = createHash("sha256").update(content).digest("hex").slice(0, 12);
}
await writeFile(path.join(work, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

await rm(out, { recursive: true, force: true });
await mkdir(path.dirname(out), { recursive: true });
await rename(work, out);
console.log(`built ${path.relative(process.cwd(), out) || "."}: site.css, site.js, ${copied.size} font files`);
