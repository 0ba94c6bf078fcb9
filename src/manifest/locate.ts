import type { Path } from "@bufbuild/protobuf/reflect";
import { childPath, type NodeRef } from "./decode.js";
import type { Position } from "./diagnostic.js";

/** Turns a protobuf path (from a protovalidate violation) into our canonical path string. */
export function canonicalPath(path: Path): string {
  let out = "";
  for (const item of path) {
    if (item.kind === "list_sub") out += `[${item.index}]`;
    else if (item.kind === "map_sub") out += `[${JSON.stringify(String(item.key))}]`;
    else out = childPath(out, item.name);
  }
  return out;
}

/** The parent of a canonical path (`a.b[0].c` → `a.b[0]` → `a.b` → `a` → ``). */
export function parentPath(path: string): string {
  const m = /^(.*?)(\[[^[\]]*\]|\.?[^.[\]]+)$/.exec(path);
  if (m === null) return "";
  return m[1] ?? "";
}

function lastSegment(path: string): string {
  return path.slice(parentPath(path).length).replace(/^\./, "");
}

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Where a canonical path points in the source, and its display path in the manifest's spelling. */
export interface Located {
  display: string;
  offset: number | undefined;
}

/**
 * Finds the YAML node of a canonical path. A path that is absent from the file (a missing
 * required field) points at its nearest parent that exists, and is displayed in the spelling
 * style (camelCase or snake_case) the file uses there.
 */
export function locatePath(index: Map<string, NodeRef>, path: string): Located {
  const own = index.get(path);
  if (own !== undefined) return { display: own.display, offset: own.keyOffset };
  const missing: string[] = [];
  let cur = path;
  while (cur !== "") {
    missing.unshift(lastSegment(cur));
    cur = parentPath(cur);
    const ref = index.get(cur);
    if (ref !== undefined) {
      const snake = ref.snake || [...index.values()].some((r) => r.snake);
      const tail = missing
        .map((s) => (s.startsWith("[") || snake ? s : camel(s)))
        .join(".")
        .replace(/\.\[/g, "[");
      return { display: `${ref.display}.${tail}`, offset: ref.keyOffset };
    }
  }
  const snake = [...index.values()].some((r) => r.snake);
  return { display: missing.map((s) => (snake ? s : camel(s))).join("."), offset: 0 };
}

/** Helper for callers that only need a position. */
export type OffsetToPosition = (offset: number | undefined) => Position;
