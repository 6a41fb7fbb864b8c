/**
 * The operations the mini-program sends, read from where its build keeps them: `.graphql` operation
 * files and the persisted-documents manifest (GraphQL Code Generator's client preset: a JSON object of
 * hash → document text). Each operation becomes a standalone document with the fragments it spreads.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Kind, Source, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { globSync } from 'tinyglobby';

/** One operation the client sends. */
export interface ClientOperation {
  /** The operation's name (`anonymous` when it has none). */
  name: string;
  /** Where it was found: files and manifest entries (`manifest.json#<hash>`), de-duplicated. */
  origins: string[];
  document: DocumentNode;
}

export interface OperationSources {
  /** Globs of `.graphql` operation files, relative to `cwd`. */
  operationGlobs: string[];
  /** Globs of persisted-documents manifests, relative to `cwd`. */
  manifestGlobs: string[];
  cwd: string;
}

/** Where the example mini-program and the client package keep the operations they send (relative to the repository root). */
export const MINI_PROGRAM_OPERATIONS: Omit<OperationSources, 'cwd'> = {
  operationGlobs: ['examples/mini-program/**/*.graphql', 'packages/client/src/operations/**/*.graphql'],
  manifestGlobs: ['examples/mini-program/**/persisted-documents.json', 'packages/client/src/**/persisted-documents.json'],
};

/** Thrown when an operation source cannot be read: a syntax error, a manifest that is not hash → text. */
export class OperationSourceError extends Error {}

const IGNORE = ['**/node_modules/**'];

/** Every operation in `sources`, plus notices (globs that matched nothing: no operations from them). */
export function loadClientOperations(sources: OperationSources): { operations: ClientOperation[]; notices: string[] } {
  const notices: string[] = [];
  const definitions: { definition: DefinitionNode; origin: string }[] = [];
  const files = (globs: string[], what: string) => {
    const found = globs.flatMap((glob) => {
      const matches = globSync(glob, { cwd: sources.cwd, ignore: IGNORE, absolute: true }).sort();
      if (matches.length === 0) notices.push(`no ${what} matches ${glob}: no operations from there`);
      return matches;
    });
    return [...new Set(found)];
  };
  for (const file of files(sources.operationGlobs, 'operation file')) {
    const origin = relative(sources.cwd, file);
    const document = parseDocument(readFileSync(file, 'utf8'), origin);
    const executable = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION);
    if (executable.length === 0) notices.push(`${origin} holds no operations (a schema file?): skipped`);
    for (const definition of executable) definitions.push({ definition, origin });
  }
  for (const file of files(sources.manifestGlobs, 'persisted-documents manifest')) {
    const origin = relative(sources.cwd, file);
    for (const [hash, text] of Object.entries(readManifest(file, origin))) {
      for (const definition of parseDocument(text, `${origin}#${hash}`).definitions) definitions.push({ definition, origin: `${origin}#${hash}` });
    }
  }
  return { operations: standaloneOperations(definitions), notices };
}

function parseDocument(text: string, origin: string): DocumentNode {
  try {
    return parse(new Source(text, origin));
  } catch (error) {
    throw new OperationSourceError(`${origin}: ${(error as Error).message}`);
  }
}

function readManifest(file: string, origin: string): Record<string, string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new OperationSourceError(`${origin}: not JSON (${(error as Error).message})`);
  }
  const isManifest = (value: unknown): value is Record<string, string> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  if (!isManifest(manifest)) throw new OperationSourceError(`${origin}: a persisted-documents manifest is a JSON object of hash → document text`);
  return manifest;
}

/** One document per distinct operation, holding the fragments it spreads (transitively). */
function standaloneOperations(definitions: { definition: DefinitionNode; origin: string }[]): ClientOperation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { definition } of definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const byText = new Map<string, ClientOperation>();
  for (const { definition, origin } of definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...fragmentsOf(definition, fragments)] };
    const key = canonicalText(document);
    const known = byText.get(key);
    if (known) known.origins.push(origin);
    else byText.set(key, { name: definition.name?.value ?? 'anonymous', origins: [origin], document });
  }
  return [...byText.values()];
}

/**
 * The same operation whatever order its fields and fragments are written in: the manifest's text is
 * codegen's normalised print (fields sorted), the `.graphql` file's is the author's. Order changes the
 * response's key order, not what the schema check judges, so both count as one operation.
 */
function canonicalText(document: DocumentNode): string {
  const sorted = visit(document, {
    SelectionSet: {
      leave: (node) => ({ ...node, selections: [...node.selections].sort((a, b) => print(a).localeCompare(print(b))) }),
    },
  });
  const [operation, ...fragments] = sorted.definitions;
  return [operation!, ...fragments.sort((a, b) => print(a).localeCompare(print(b)))].map((d) => print(d)).join('\n');
}

function fragmentsOf(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: DefinitionNode[] = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        // An unknown fragment stays unknown: validation reports it against the operation.
        if (fragment && !found.has(fragment.name.value)) {
          found.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}
