import { type Document, isAlias, isMap, isSeq, type Pair } from "yaml";
import type { Reporter } from "./decode-types.js";

/** How many values aliases may add to a document ("billion laughs" documents add billions). */
export const maxAliasExpansion = 20000;

/** Counts the nodes written in a document (keys and values), not following aliases. */
function countNodes(root: unknown): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    n++;
    if (isMap(node)) for (const pair of node.items as Pair[]) stack.push(pair.key, pair.value);
    else if (isSeq(node)) for (const item of node.items) stack.push(item);
  }
  return n;
}

/** Follows aliases, with a budget so that "billion laughs" documents stop early. */
export class AliasBudget {
  private visited = 0;
  private budgetExceeded = false;
  /** Visits allowed: each node written in the file (visited at most twice) plus what aliases add. */
  private readonly budget: number;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly ctx: Reporter,
  ) {
    this.budget = 2 * countNodes(doc.contents) + maxAliasExpansion;
  }

  deref(node: unknown, path: string): unknown {
    this.visited++;
    if (this.visited > this.budget && !this.budgetExceeded) {
      this.budgetExceeded = true;
      this.ctx.report(
        undefined,
        "",
        "yaml.too_large",
        `aliases expand the document by more than ${maxAliasExpansion} values`,
        "remove anchors and aliases that repeat large parts of the file",
      );
    }
    if (this.budgetExceeded) return undefined;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) {
        this.ctx.report(
          node.range?.[0],
          path,
          "yaml.alias",
          `unknown alias *${node.source}`,
          "define the anchor (&name) before using it",
        );
      }
      return target;
    }
    return node;
  }
}
