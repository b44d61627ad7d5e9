/**
 * The asset pipeline (scripts/build-assets.ts, lib/assets.ts): a browser script comes out as minified ES5 with
 * its shared helpers inlined, a stylesheet with its `@import`s inlined, every name carries the SHA-256 of
 * its content, the generated module is rewritten only when it changes, a script the build cannot lower
 * fails the build, and assets are served with immutable caching.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { transformSync } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { ASSET_CACHE_CONTROL, assetByPath, assetPath, serveAsset } from "../../lib/assets";
import { type BuiltAsset, buildAssetMap, buildAssets, minifiedEs5 } from "../../scripts/build-assets";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURES = "test/origin/fixtures/assets";
const temp = mkdtempSync(join(tmpdir(), "assets-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const sha = (body: string) => createHash("sha256").update(body).digest("hex").slice(0, 12);

describe("build-assets", () => {
  const out = join(temp, "assets.generated.ts");
  const options = { root: ROOT, dirs: [FIXTURES], out, vendored: true };
  const first = buildAssets(options);

  it("writes one module keyed by source path, sorted, with content-hashed names", async () => {
    expect(first).toEqual({ written: true, count: 4 });
    const { ASSETS } = (await import(out)) as { ASSETS: Record<string, BuiltAsset> };
    expect(Object.keys(ASSETS)).toEqual([
      `${FIXTURES}/example.client.ts`,
      `${FIXTURES}/example.css`,
      "uplot/dist/uPlot.iife.min.js",
      "uplot/dist/uPlot.min.css",
    ]);
    const script = ASSETS[`${FIXTURES}/example.client.ts`]!;
    expect(script.path).toBe(`/_wr/assets/example.${sha(script.body)}.js`);
    expect(script.type).toBe("text/javascript; charset=utf-8");
    const style = ASSETS[`${FIXTURES}/example.css`]!;
    expect(style.path).toBe(`/_wr/assets/example.${sha(style.body)}.css`);
    expect(style.type).toBe("text/css; charset=utf-8");
    const uplot = readFileSync(join(ROOT, "node_modules/uplot/dist/uPlot.iife.min.js"), "utf8");
    expect(ASSETS["uplot/dist/uPlot.iife.min.js"]!.body).toBe(uplot);
    expect(ASSETS["uplot/dist/uPlot.iife.min.js"]!.path).toBe(`/_wr/assets/uplot.${sha(uplot)}.js`);
  });

  it("lowers a browser script to minified ES5 with its helpers inlined", () => {
    const { body } = buildAssetMap(options)[`${FIXTURES}/example.client.ts`]!;
    // esbuild refuses ES2015+ syntax (classes, arrows, let/const, destructuring, for-of, generators) for es5
    expect(() => transformSync(body, { loader: "js", target: "es5" })).not.toThrow();
    expect(body).not.toMatch(/=>|\bclass\b|\bconst\b|\blet\b|`|\?\.|\?\?|\basync\b|\bawait\b/);
    expect(body).not.toMatch(/\bimport\b|\bexport\b/);
    expect(body).toMatch(/^\(function\(\)\{.*\}\)\(\);\n$/s); // nothing leaks into the page's globals
    expect(body).toContain("example-data");
    expect(body).toMatch(/Math\.floor/); // the shared helper, bundled in
    expect(body.split("\n").filter(Boolean).length).toBeLessThanOrEqual(2); // minified
  });

  it("inlines a stylesheet's @import of a package and minifies it", () => {
    const { body } = buildAssetMap(options)[`${FIXTURES}/example.css`]!;
    expect(body).not.toContain("@import");
    expect(body).toContain(".uplot");
    expect(body).toMatch(/\.example\{color:#0b4f9c\}/);
  });

  it("rewrites the module only when its text changes", () => {
    const before = statSync(out).mtimeMs;
    expect(buildAssets(options)).toEqual({ written: false, count: 4 });
    expect(statSync(out).mtimeMs).toBe(before);
  });

  it("fails the build on a script that does not bundle, and on syntax newer than ES5 left after lowering", () => {
    const root = join(temp, "bad");
    mkdirSync(join(root, "src"), { recursive: true });
    writeFileSync(join(root, "src", "broken.client.ts"), 'import { nothing } from "./missing";\nconsole.log(nothing);\n');
    expect(() => buildAssets({ root, dirs: ["src"], out: join(root, "out.ts") })).toThrow(/missing/);
    expect(existsSync(join(root, "out.ts"))).toBe(false);
    expect(() => minifiedEs5("let f = () => 1;")).toThrow(/not supported/);
    expect(() => minifiedEs5("class A {}")).toThrow(/not supported/);
    expect(minifiedEs5("var f = function () { return 1; };")).toBe("var f=function(){return 1};\n");
  });
});

describe("lib/assets", () => {
  it("serves an asset at its hashed path with immutable caching, and nothing at any other path", async () => {
    const path = assetPath("uplot/dist/uPlot.min.css");
    expect(path).toMatch(/^\/_wr\/assets\/uplot\.[0-9a-f]{12}\.css$/);
    expect(assetByPath(path)?.type).toBe("text/css; charset=utf-8");
    const res = serveAsset(path)!;
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(ASSET_CACHE_CONTROL).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await res.text()).toBe(readFileSync(join(ROOT, "node_modules/uplot/dist/uPlot.min.css"), "utf8"));
    expect(serveAsset("/_wr/assets/uplot.000000000000.css")).toBeUndefined();
    expect(serveAsset("/_wr/assets/")).toBeUndefined();
  });
});
