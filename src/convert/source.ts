/**
 * Reading an IstioOperator while keeping account of what was used. Every mapper *takes* the keys
 * it converts; whatever is left at the end did not map and becomes a note, so nothing in the
 * input is silently lost.
 */

/** A JSON value as parsed from YAML. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Something the conversion wants the reader to know, at an IstioOperator path. */
export interface Note {
  /** IstioOperator path, e.g. `spec.components.pilot.k8s.overlays`. */
  path: string;
  /**
   * `dropped`: not carried over (`--strict` fails on these). `changed`: carried over in a
   * different form (an obsolete key in its modern form, an implicit default made explicit).
   */
  kind: "dropped" | "changed";
  message: string;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep copy of a JSON value. */
export function clone<T extends Json>(v: T): T {
  return structuredClone(v);
}

/** Joins a path and a key (`a.b` + `c` → `a.b.c`; `[0]` appends directly). */
export function join(path: string, key: string): string {
  if (path === "") return key;
  return key.startsWith("[") ? `${path}${key}` : `${path}.${key}`;
}

/** The notes of one conversion, in the order they were made. */
export class Notes {
  readonly list: Note[] = [];
  dropped(path: string, message: string): void {
    this.list.push({ path, kind: "dropped", message });
  }
  changed(path: string, message: string): void {
    this.list.push({ path, kind: "changed", message });
  }
}

/**
 * One subtree of the input (a private copy), at an IstioOperator path. `take` removes and returns
 * a value; `rest` lists what was never taken.
 */
export class Source {
  private readonly root: JsonObject;
  constructor(
    root: JsonObject,
    /** IstioOperator path of `root`, e.g. `spec` or `spec.components.ingressGateways[0]`. */
    readonly path: string,
  ) {
    this.root = clone(root);
  }

  /** The full IstioOperator path of a key path below this source. */
  at(...keys: string[]): string {
    return keys.reduce(join, this.path);
  }

  /** The value at `keys` without taking it. */
  peek(...keys: string[]): Json | undefined {
    let cur: Json | undefined = this.root;
    for (const k of keys) {
      if (!isObject(cur)) return undefined;
      cur = cur[k];
    }
    return cur;
  }

  /** Removes and returns the value at `keys` (undefined when absent). */
  take(...keys: string[]): Json | undefined {
    const parentKeys = keys.slice(0, -1);
    const last = keys.at(-1);
    if (last === undefined) return undefined;
    const parent = this.peek(...parentKeys);
    if (!isObject(parent) || !(last in parent)) return undefined;
    const v = parent[last];
    delete parent[last];
    return v;
  }

  /** Takes an object (undefined when absent or not an object; a non-object is left in place). */
  takeObject(...keys: string[]): JsonObject | undefined {
    const v = this.peek(...keys);
    if (!isObject(v)) return undefined;
    this.take(...keys);
    return v;
  }

  /** Takes a string, or a number or boolean as text. */
  takeString(...keys: string[]): string | undefined {
    const v = this.peek(...keys);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return undefined;
    this.take(...keys);
    return String(v);
  }

  /** Takes an integer (a whole number, or text holding one). */
  takeInt(...keys: string[]): number | undefined {
    const v = this.peek(...keys);
    const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n)) return undefined;
    this.take(...keys);
    return n;
  }

  /** Takes a number (or text holding one). */
  takeNumber(...keys: string[]): number | undefined {
    const v = this.peek(...keys);
    const n = typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n)) return undefined;
    this.take(...keys);
    return n;
  }

  /** Takes a boolean (also the text `true`/`false`). */
  takeBool(...keys: string[]): boolean | undefined {
    const v = this.peek(...keys);
    const b = v === "true" ? true : v === "false" ? false : v;
    if (typeof b !== "boolean") return undefined;
    this.take(...keys);
    return b;
  }

  /**
   * Takes every setting that one of `others` (copies of the same subtree, each read for a
   * different component) took: what none of them used is what stays behind.
   */
  takeWhatOthersTook(others: Source[]): void {
    const walk = (node: JsonObject, keys: string[]) => {
      for (const k of Object.keys(node)) {
        const v = node[k] ?? null;
        if (isObject(v) && Object.keys(v).length > 0) {
          walk(v, [...keys, k]);
          continue;
        }
        if (others.some((o) => o.peek(...keys, k) === undefined)) delete node[k];
      }
    };
    walk(this.root, []);
  }

  /** Takes everything left (a part of the input that is left out as a whole, already noted). */
  drain(): void {
    for (const k of Object.keys(this.root)) delete this.root[k];
  }

  /**
   * Everything never taken, as [IstioOperator path, value]: each leaf, or each whole subtree
   * when `depth` keys deep is reached. Empty maps left behind by takes are skipped.
   */
  rest(depth = Number.POSITIVE_INFINITY): [string, Json][] {
    const out: [string, Json][] = [];
    const walk = (v: Json, path: string, level: number) => {
      if (isObject(v)) {
        const keys = Object.keys(v);
        if (keys.length === 0) return;
        if (level >= depth) {
          out.push([path, v]);
          return;
        }
        for (const k of keys) walk(v[k] ?? null, join(path, k), level + 1);
        return;
      }
      out.push([path, v]);
    };
    walk(this.root, this.path, 0);
    return out;
  }
}

/** Drops empty maps, recursively; returns undefined when nothing is left. */
export function prune(v: Json | undefined): Json | undefined {
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const p = prune(x);
    if (p !== undefined) out[k] = p;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Sets `value` at `keys` in `target`, creating maps on the way; undefined sets nothing. */
export function setIn(target: JsonObject, keys: string[], value: Json | undefined): void {
  if (value === undefined) return;
  let cur = target;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (isObject(next)) cur = next;
    else {
      const created: JsonObject = {};
      cur[k] = created;
      cur = created;
    }
  }
  const last = keys.at(-1);
  if (last === undefined) return;
  const existing = cur[last];
  cur[last] = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value;
}

/** Maps merge key by key; everything else in `over` replaces. */
export function deepMerge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isObject(cur) && isObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

/** A value shown in a note: short, on one line. */
export function show(v: Json | undefined): string {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * A setting that only turns things off (`{enabled: false}`, or maps of those): for a component
 * that is not installed anyway it says nothing, so it needs no note.
 */
export function onlyDisables(v: Json | undefined): boolean {
  if (!isObject(v)) return false;
  const entries = Object.entries(v);
  return (
    entries.length > 0 &&
    entries.every(([k, x]) => (k === "enabled" ? x === false || x === "false" : onlyDisables(x)))
  );
}
