/**
 * The repository's import graph, read from source: every `.ts`/`.mts` file (not node_modules, dist,
 * generated code or the benchmark's peer gateways) and every module it names in an import, an
 * `export ... from`, an `import type`, a `typeof import('…')` type or an `import('…')` call. The files are
 * parsed with TypeScript's own parser rather than matched with a regex, so an import written in a comment
 * or a template string is not mistaken for one. Relative specifiers are resolved to files the way
 * NodeNext does for TypeScript sources (`./x.js` is `./x.ts`); the workspace packages are recognised by
 * the names in their package.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Folder names never read, wherever they are. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'generated', '.git', '.data']);
/** Paths (from the root) never read: other projects' gateways the benchmark runs, and its output. */
const SKIPPED_PATHS = new Set(['bench/peers', 'bench/results']);
const SOURCE_FILE = /\.m?ts$/;

/** One module a file names. */
export interface ImportEdge {
  /** The importing file, relative to the root with `/` separators. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The repository file it resolves to (relative specifiers), if it resolves. */
  file?: string;
  /** The workspace package folder it names (`packages/subgraph-kit`), for a package-name import. */
  packageDir?: string;
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

/** Every `.ts`/`.mts` file under `root`, relative and sorted. */
export function listSourceFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = toPosix(relative(root, path));
      if (SKIPPED_FOLDERS.has(entry.name) || SKIPPED_PATHS.has(rel)) continue;
      if (entry.isDirectory()) walk(path);
      else if (SOURCE_FILE.test(entry.name)) files.push(rel);
    }
  };
  walk(root);
  return files.sort();
}

/** Every module specifier `source` names, in order of appearance. */
export function moduleSpecifiers(fileName: string, source: string): string[] {
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) specifiers.push(node.text);
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return specifiers;
}

/** The workspace packages by name: `@identity-federation-gateway/subgraph-kit` → `packages/subgraph-kit`. */
export function workspacePackages(root: string): Map<string, string> {
  const packages = new Map<string, string>();
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    const manifest = join(root, 'packages', entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    packages.set(name, `packages/${entry.name}`);
  }
  return packages;
}

/** The file a relative specifier of `from` names, as TypeScript finds it under NodeNext; undefined when none. */
export function resolveRelative(root: string, from: string, specifier: string): string | undefined {
  const target = posix.join(posix.dirname(from), specifier);
  const stem = target.replace(/\.(m?)js$/, '');
  const candidates = /\.m?js$/.test(target)
    ? [`${stem}.ts`, `${stem}.mts`, `${stem}.d.ts`, `${stem}.d.mts`, target]
    : [target, `${target}.ts`, `${target}/index.ts`];
  return candidates.find((candidate) => isFile(join(root, candidate)));
}

/** Reads the repository under `root` into its import graph. */
export function readImportGraph(root: string): ImportGraph {
  const files = listSourceFiles(root);
  const packages = workspacePackages(root);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const specifier of moduleSpecifiers(from, readFileSync(join(root, from), 'utf8'))) {
      if (specifier.startsWith('.')) edges.push({ from, specifier, file: resolveRelative(root, from, specifier) });
      else {
        const packageDir = packages.get(packageName(specifier));
        // npm dependencies and node: builtins are outside the layers.
        if (packageDir) edges.push({ from, specifier, packageDir });
      }
    }
  }
  return { files, edges };
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/** The repository this test guards. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
