/**
 * The import-cycle check (scripts/check-cycles.ts) on a small project in a temporary folder: a cycle through
 * a re-export and a type-only import is found and reported as one path; a project without one passes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCycles, importGraph } from "../../scripts/check-cycles";

const root = mkdtempSync(join(tmpdir(), "cycles-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, "p-"));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "ESNext", moduleResolution: "Bundler" }, include: ["src"] }),
  );
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, "src", name, ".."), { recursive: true });
    writeFileSync(join(dir, "src", name), text);
  }
  return dir;
}

const cyclesOf = (dir: string) =>
  findCycles(importGraph(["tsconfig.json"], dir)).map((cycle) => cycle.map((f) => relative(join(dir, "src"), f)));

describe("check-cycles", () => {
  it("passes a project whose imports form no cycle", () => {
    const dir = project({
      "a.ts": 'import { b } from "./b";\nimport { z } from "zod";\nexport const a = b;\n',
      "b.ts": 'import { c } from "./lib/c";\nexport const b = c;\n',
      "lib/c.ts": "export const c = 1;\n",
    });
    expect(cyclesOf(dir)).toEqual([]);
  });

  it("finds a cycle through re-exports, dynamic and type-only imports, and a module importing itself", () => {
    const dir = project({
      "a.ts": 'import type { B } from "./b";\nexport type A = B;\n',
      "b.ts": 'export * from "./c";\nexport type B = 1;\n',
      "c.ts": 'export const load = () => import("./a");\n',
      "self.ts": 'import { x as y } from "./self";\nexport const x = 1;\nexport const z = y;\n',
      "free.ts": 'import "./a";\n',
    });
    expect(cyclesOf(dir)).toEqual([
      ["a.ts", "b.ts", "c.ts", "a.ts"],
      ["self.ts", "self.ts"],
    ]);
  });
});
