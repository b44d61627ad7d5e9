/**
 * Fails when the project's own modules import each other in a cycle. Reads the files of every TypeScript
 * project (tsconfig.json, worker/tsconfig.json, tsconfig.client.json), takes each file's imports and
 * re-exports (static, dynamic and type-only alike: a cycle of types is still a cycle between modules),
 * resolves them as the compiler does, and reports every strongly connected group of two or more modules
 * (or a module importing itself) with one cycle through it. Packages are not followed.
 *
 *   npx tsx scripts/check-cycles.ts [tsconfig ...]
 */
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PROJECTS = ["tsconfig.json", "worker/tsconfig.json", "tsconfig.client.json"];

/** The module specifiers a file imports or re-exports, with whether each is for types only. */
function specifiers(file: string, text: string): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      found.push({ spec: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) found.push({ spec: expr.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ spec: node.arguments[0].text, typeOnly: false });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ spec: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The import graph of the projects' own files: file → imported file → whether every such import is type-only. */
export function importGraph(projects: string[], root = ROOT): Map<string, Map<string, boolean>> {
  const graph = new Map<string, Map<string, boolean>>();
  for (const project of projects) {
    const configPath = resolve(root, project);
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
        },
      },
    );
    if (!parsed) throw new Error(`${project}: cannot read`);
    const cache = ts.createModuleResolutionCache(root, (f) => f, parsed.options);
    for (const file of parsed.fileNames) {
      if (graph.has(file) || file.endsWith(".d.ts")) continue;
      const edges = new Map<string, boolean>();
      graph.set(file, edges);
      for (const { spec, typeOnly } of specifiers(file, ts.sys.readFile(file) ?? "")) {
        const resolved = ts.resolveModuleName(spec, file, parsed.options, ts.sys, cache).resolvedModule;
        if (!resolved || resolved.isExternalLibraryImport || resolved.resolvedFileName.endsWith(".d.ts")) continue;
        const target = resolve(resolved.resolvedFileName);
        edges.set(target, (edges.get(target) ?? true) && typeOnly);
      }
    }
  }
  return graph;
}

/** Every cycle: one path per strongly connected group (Tarjan), each starting and ending at the same file. */
export function findCycles(graph: Map<string, Map<string, boolean>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || graph.get(v)?.has(v)) groups.push(group);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);
  return groups.map((group) => cycleThrough(graph, new Set(group), [...group].sort()[0]!)).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
}

/** A shortest cycle from `start` back to it inside one group (breadth first). */
function cycleThrough(graph: Map<string, Map<string, boolean>>, group: Set<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v)?.keys() ?? [])].sort()) {
      if (!group.has(w)) continue;
      if (w === start) {
        const path: string[] = [];
        for (let at = v; at !== start; at = previous.get(at)!) path.unshift(at);
        return [start, ...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const graph = importGraph(process.argv.length > 2 ? process.argv.slice(2) : PROJECTS);
  const cycles = findCycles(graph);
  const ms = Math.round(performance.now() - started);
  if (!cycles.length) {
    console.log(`check-cycles: no import cycles among ${graph.size} modules (${ms} ms)`);
  } else {
    for (const cycle of cycles) {
      const typeOnly = cycle.slice(1).every((to, i) => graph.get(cycle[i]!)?.get(to));
      console.error(`import cycle${typeOnly ? " (types only)" : ""}:\n  ${cycle.map((f) => relative(ROOT, f)).join("\n  → ")}`);
    }
    console.error(`check-cycles: ${cycles.length} import cycle(s) among ${graph.size} modules`);
    process.exit(1);
  }
}
