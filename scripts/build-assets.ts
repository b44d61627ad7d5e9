/**
 * Builds the browser assets of both apps into one generated module, lib/assets.generated.ts (git-ignored),
 * which both the edge and the origin import (lib/assets.ts serves it):
 *   - every `*.client.ts` under worker/ and origin/: bundled by esbuild as an iife, lowered to ES5 by
 *     TypeScript (old phones run it), then minified by esbuild with target es5, which also fails the build
 *     on any syntax still newer than ES5;
 *   - every `*.css` under worker/ and origin/: bundled (`@import` of a package's CSS is allowed) and minified;
 *   - the vendored uPlot script and stylesheet, as published.
 * Each asset is keyed by its source path (a package path for uPlot) and served at
 * `/_wr/assets/<name>.<sha256 of the body, 12 hex>.<js|css>`, so it can be cached forever. The module is
 * written with sorted keys and only when its text changes, so file watchers do not loop on it.
 *
 * Runs synchronously (vitest.config.ts calls it while loading): `npx tsx scripts/build-assets.ts`.
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync, transformSync } from "esbuild";
import ts from "typescript";

export const ASSET_PREFIX = "/_wr/assets/";

const TYPES = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" } as const;

/** Files published by a package and served as they are: the key is the package path. */
const VENDORED: { key: string; name: string; ext: "js" | "css" }[] = [
  { key: "uplot/dist/uPlot.iife.min.js", name: "uplot", ext: "js" },
  { key: "uplot/dist/uPlot.min.css", name: "uplot", ext: "css" },
];

export interface BuildOptions {
  /** The project root: source keys are relative to it and packages resolve from it. */
  root: string;
  /** Folders under root searched for `*.client.ts` and `*.css`. */
  dirs: string[];
  /** The generated module's path. */
  out: string;
  /** Whether to include the vendored package files. */
  vendored?: boolean;
}

export interface BuiltAsset {
  path: string;
  type: string;
  body: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const DEFAULT_OPTIONS: BuildOptions = {
  root: ROOT,
  dirs: ["worker", "origin"],
  out: join(ROOT, "lib", "assets.generated.ts"),
  vendored: true,
};

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sourceFiles(path));
    else if (entry.name.endsWith(".client.ts") || entry.name.endsWith(".css")) found.push(path);
  }
  return found;
}

function hashed(name: string, ext: "js" | "css", body: string): BuiltAsset {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { path: `${ASSET_PREFIX}${name}.${hash}.${ext}`, type: TYPES[ext], body };
}

function bundled(file: string, options: { loader?: "css" }): string {
  const result = buildSync({
    entryPoints: [file],
    bundle: true,
    write: false,
    minify: options.loader === "css",
    format: options.loader === "css" ? undefined : "iife",
    platform: "browser",
    target: options.loader === "css" ? undefined : "es2015",
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** A browser script: bundled, lowered to ES5, minified (esbuild refuses anything newer than ES5 here). */
export function buildScript(file: string): string {
  const es2015 = bundled(file, {});
  // TypeScript's helpers (__generator, __values, ...) go at the top of its output: the wrapping function
  // keeps them out of the page's globals.
  const es5 = ts.transpileModule(es2015, {
    fileName: basename(file).replace(/\.ts$/, ".js"),
    compilerOptions: {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.ES2015,
      downlevelIteration: true,
      allowJs: true,
      removeComments: true,
      lib: ["lib.es5.d.ts", "lib.dom.d.ts"],
    },
    reportDiagnostics: true,
  });
  const problems = (es5.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (problems.length) {
    throw new Error(`${file}: ${problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  }
  return minifiedEs5(`(function () {\n${es5.outputText}\n})();\n`);
}

/**
 * Strips a script's whitespace for target es5; throws on any syntax newer than ES5 (esbuild cannot lower most
 * of it). Names and syntax stay as written, so the served script reads like its source and tests can match it.
 */
export function minifiedEs5(code: string): string {
  return transformSync(code, {
    loader: "js",
    target: "es5",
    minifyWhitespace: true,
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
  }).code;
}

/** A stylesheet: `@import`s inlined, minified. */
export function buildStyle(file: string): string {
  return bundled(file, { loader: "css" });
}

/** Every asset by key (a source path relative to root, with `/`), keys sorted. */
export function buildAssetMap(options: BuildOptions): Record<string, BuiltAsset> {
  const assets: Record<string, BuiltAsset> = {};
  for (const dir of options.dirs) {
    for (const file of sourceFiles(join(options.root, dir))) {
      const key = relative(options.root, file).split(sep).join("/");
      const js = file.endsWith(".client.ts");
      const name = basename(file).replace(js ? /\.client\.ts$/ : /\.css$/, "");
      assets[key] = hashed(name, js ? "js" : "css", js ? buildScript(file) : buildStyle(file));
    }
  }
  if (options.vendored) {
    const require = createRequire(join(options.root, "package.json"));
    for (const v of VENDORED) assets[v.key] = hashed(v.name, v.ext, readFileSync(require.resolve(v.key), "utf8"));
  }
  const byPath = new Map<string, string>();
  for (const [key, asset] of Object.entries(assets)) {
    const other = byPath.get(asset.path);
    if (other !== undefined && assets[other]!.body !== asset.body) throw new Error(`${key} and ${other} would share ${asset.path}`);
    byPath.set(asset.path, key);
  }
  return Object.fromEntries(
    Object.keys(assets)
      .sort()
      .map((key) => [key, assets[key]!]),
  );
}

/** The generated module's text. */
export function moduleText(assets: Record<string, BuiltAsset>): string {
  const keys = Object.keys(assets);
  const entries = keys.map((key) => {
    const a = assets[key]!;
    return `  ${JSON.stringify(key)}: {\n    path: ${JSON.stringify(a.path)},\n    type: ${JSON.stringify(a.type)},\n    body: ${JSON.stringify(a.body)},\n  },\n`;
  });
  return [
    "// Generated by scripts/build-assets.ts (npx tsx scripts/build-assets.ts). Do not edit.\n",
    "export interface Asset {\n  path: string;\n  type: string;\n  body: string;\n}\n\n",
    `export type AssetKey =${keys.length ? keys.map((k) => `\n  | ${JSON.stringify(k)}`).join("") : " never"};\n\n`,
    `export const ASSETS: Record<AssetKey, Asset> = {\n${entries.join("")}};\n`,
  ].join("");
}

/** Builds every asset and writes the module if its text changed; returns whether it was written. */
export function buildAssets(options: BuildOptions = DEFAULT_OPTIONS): { written: boolean; count: number } {
  const assets = buildAssetMap(options);
  const text = moduleText(assets);
  const count = Object.keys(assets).length;
  if (existsSync(options.out) && readFileSync(options.out, "utf8") === text) return { written: false, count };
  writeFileSync(options.out, text);
  return { written: true, count };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { written, count } = buildAssets();
    console.log(`build-assets: ${count} assets, ${written ? "lib/assets.generated.ts written" : "unchanged"}`);
  } catch (err) {
    console.error(`build-assets: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
