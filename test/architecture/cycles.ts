/**
 * Import cycles: Tarjan's strongly connected components over the file graph, each knot reported as one
 * cycle through it, written as a path of files (`a.ts → b.ts → a.ts`). Breaking that cycle either
 * dissolves the knot or shows the next cycle in it.
 */

/** A strongly connected set of files that import each other, and one cycle through them. */
export interface ImportCycle {
  /** Every file of the knot, sorted. */
  files: string[];
  /** One cycle through the knot, starting and ending at its first file. */
  path: string[];
}

/** The import cycles of a graph given as `from → to` file pairs, in a stable order. */
export function importCycles(edges: Iterable<readonly [from: string, to: string]>): ImportCycle[] {
  const next = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  return stronglyConnected(next)
    .filter((files) => files.length > 1 || next.get(files[0]!)!.has(files[0]!))
    .map((files) => ({ files, path: shortestCycle(files, next) }))
    .sort((a, b) => a.files[0]!.localeCompare(b.files[0]!));
}

/** `a.ts → b.ts → a.ts` */
export function describeCycle(cycle: ImportCycle): string {
  const others = cycle.files.length - (cycle.path.length - 1);
  return cycle.path.join(' → ') + (others > 0 ? ` (one cycle of ${cycle.files.length} files importing each other: ${cycle.files.join(', ')})` : '');
}

/** Tarjan's algorithm; each component's files sorted. */
function stronglyConnected(next: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string) => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of next.get(file)!) {
      if (!index.has(target)) {
        connect(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    components.push(component.sort());
  };
  for (const file of [...next.keys()].sort()) if (!index.has(file)) connect(file);
  return components;
}

/** The shortest way from the knot's first file back to itself, staying inside the knot (breadth first). */
function shortestCycle(files: readonly string[], next: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const knot = new Set(files);
  const start = files[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i]!;
    for (const target of [...next.get(file)!].sort()) {
      if (!knot.has(target)) continue;
      if (target === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, file);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
