import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { loadManifest } from "../../../src/manifest/load.js";
import { runCli } from "../../helpers/cli.js";
import { validManifests } from "../../helpers/paths.js";

/**
 * Thousands of mutated manifests (deleted keys, swapped types, unicode, huge numbers, renamed
 * keys) go through validation: nothing throws, every diagnostic has a position, and the
 * result is either valid or invalid, never anything else.
 */
const seeds = validManifests().map(([, f]) => parse(readFileSync(f, "utf8")) as unknown);

type Op = {
  kind: "delete" | "swap" | "rename" | "unicode" | "huge" | "null" | "list";
  at: number;
  pick: number;
};
const op = fc.record({
  kind: fc.constantFrom("delete", "swap", "rename", "unicode", "huge", "null", "list") as fc.Arbitrary<
    Op["kind"]
  >,
  at: fc.nat(),
  pick: fc.nat(),
});
const weird = [
  "",
  "💥",
  "ǅ",
  "\u202e",
  "a".repeat(300),
  "1e309",
  "-0",
  "0x1F",
  "~",
  "null",
  "2Gi",
  "1.5 cores",
  "istio-system",
];
const numbers = [0, -1, 2 ** 31, 2 ** 53, 1e308, -1e308, 0.5, 101];

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => paths(x, [...prefix, i]))];
  if (typeof v === "object" && v !== null)
    return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
  return [prefix];
}

function mutate(doc: unknown, ops: Op[]): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const o of ops) {
    const all = paths(copy).filter((p) => p.length > 0);
    const path = all[o.at % Math.max(all.length, 1)];
    if (path === undefined) continue;
    let parent: Record<string | number, unknown> = copy;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = path.at(-1) as string | number;
    switch (o.kind) {
      case "delete":
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case "swap":
        parent[key] = [true, 42, "text", { a: 1 }, [1, 2]][o.pick % 5];
        break;
      case "rename":
        if (!Array.isArray(parent) && typeof key === "string") {
          parent[`${key.slice(0, -1)}${weird[o.pick % weird.length]?.slice(0, 2)}`] = parent[key];
          delete parent[key];
        }
        break;
      case "unicode":
        parent[key] = weird[o.pick % weird.length];
        break;
      case "huge":
        parent[key] = numbers[o.pick % numbers.length];
        break;
      case "null":
        parent[key] = null;
        break;
      case "list":
        parent[key] = [parent[key], parent[key]];
        break;
    }
  }
  return copy;
}

describe("fuzzed manifests never crash validation", () => {
  it("3000 mutated manifests: valid or positioned diagnostics, never an exception", () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(op, { minLength: 1, maxLength: 6 }), (seed, ops) => {
        const text = stringify(mutate(seeds[seed], ops));
        const result = loadManifest({ file: "-", readStdin: () => Buffer.from(text) });
        if (result.kind === "invalid") {
          assert.ok(result.diagnostics.length > 0);
          for (const d of result.diagnostics) {
            assert.ok(d.line >= 1 && d.column >= 1, `position of ${JSON.stringify(d)}`);
            assert.ok(d.message.length > 0 && d.code.length > 0);
          }
        } else {
          assert.equal(result.kind, "ok");
        }
      }),
      { numRuns: 3000, seed: 20261125 },
    );
  });

  it("300 mutated manifests through the CLI: exit 0 or 2, no stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(seeds.length - 1),
        fc.array(op, { minLength: 1, maxLength: 4 }),
        async (seed, ops) => {
          const r = await runCli(["validate", "-f", "-"], { stdin: stringify(mutate(seeds[seed], ops)) });
          assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
          assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it("random bytes never crash the loader", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const result = loadManifest({ file: "-", readStdin: () => Buffer.from(bytes) });
        assert.ok(result.kind === "ok" || result.diagnostics.every((d) => d.line >= 1 && d.column >= 1));
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
