/**
 * Issue 19's promise, fuzzed: a credential carried by a manifest — in any field that takes a
 * URL, a path or free-form Helm values, written in the file or given with `--set`, in any shape
 * the redactor knows (a password or token key, `Bearer`, URL userinfo, a query or fragment, a PEM
 * block, its base64 form) — never appears on standard output, standard error or in the files
 * `render --output-dir` writes, whatever the command, format or verbosity.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { runCli } from "../../helpers/cli.js";
import { validManifests } from "../../helpers/paths.js";

const work = mkdtempSync(join(tmpdir(), "planton-secret-fuzz-"));
after(() => rmSync(work, { recursive: true, force: true }));

const seeds = validManifests().map(([, f]) => parse(readFileSync(f, "utf8")) as Record<string, unknown>);

/** Where a credential goes: a manifest path and the value that carries it. */
type Carrier = { path: string[]; value: (secret: string) => string };
const pem = (s: string) => `-----BEGIN PRIVATE KEY-----\nMIIE${s}\n-----END PRIVATE KEY-----\n`;
const carriers: Carrier[] = [
  ...["password", "token", "apiKey", "client_secret", "PRIVATE_KEY", "accessToken", "passphrase"].map(
    (key): Carrier => ({ path: ["spec", "helmValues", "istiod", "pilot", "env", key], value: (s) => s }),
  ),
  { path: ["spec", "helmValues", "gateway", "podAnnotations", "auth"], value: (s) => `Bearer ${s}` },
  { path: ["spec", "helmValues", "base", "x"], value: (s) => `https://bob:${s}@example.com/` },
  { path: ["spec", "helmValues", "cni", "key"], value: pem },
  { path: ["spec", "helmValues", "istiod", "global", "caAddress"], value: (s) => `bob:${s}@istiod:15012` },
  { path: ["spec", "charts", "repository"], value: (s) => `https://bob:${s}@charts.example.com/istio` },
  { path: ["spec", "charts", "repository"], value: (s) => `https://charts.example.com/istio?token=${s}` },
  { path: ["spec", "charts", "repository"], value: (s) => `oci://registry.example.com/istio#${s}` },
  { path: ["spec", "images", "hub"], value: (s) => `bob:${s}@registry.example.com/istio` },
  { path: ["spec", "images", "hub"], value: (s) => `registry.example.com/istio?token=${s}` },
  { path: ["spec", "ca", "istioCsr", "address"], value: (s) => `bob:${s}@istio-csr.cert-manager.svc:443` },
  { path: ["spec", "multiCluster", "primary", "address"], value: (s) => `bob:${s}@10.0.0.1` },
  { path: ["spec", "ca", "plugin", "caKey"], value: pem },
  { path: ["spec", "ca", "plugin", "caKey"], value: (s) => Buffer.from(pem(s)).toString("base64") },
  { path: ["spec", "ca", "plugin", "directory"], value: (s) => `./certs?password=${s}` },
];

/** A copy of `doc` with `value` at `path` (maps created on the way, other values replaced). */
function carry(doc: Record<string, unknown>, path: string[], value: string): Record<string, unknown> {
  const copy = structuredClone(doc);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === "object" && next !== null && !Array.isArray(next) ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
  return copy;
}

const commands = [
  ["validate"],
  ["validate", "-o", "json"],
  ["render"],
  ["render", "-o", "json"],
  ["render", "--output-dir", "OUT"],
];

/** 8 to 32 characters of the kinds tokens and passwords are made of, always letters and digits. */
const secretArb = fc
  .stringMatching(/^[A-Za-z0-9_-]{6,30}$/)
  .map((s) => `Q7${s}`)
  .filter((s) => /[a-z]/.test(s));

describe("a generated credential never appears in any output", () => {
  it("300 manifests carrying one, through validate and render in every format", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(seeds.length - 1),
        fc.nat(carriers.length - 1),
        secretArb,
        fc.boolean(),
        fc.nat(commands.length - 1),
        fc.boolean(),
        async (seed, which, secret, viaSet, command, verbose) => {
          const carrier = carriers[which] as Carrier;
          const value = carrier.value(secret);
          const dir = join(work, `run-${++run}`);
          const out = join(dir, "out");
          const file = join(work, `m-${run}.yaml`);
          const doc = seeds[seed] as Record<string, unknown>;
          writeFileSync(file, stringify(viaSet ? doc : carry(doc, carrier.path, value)));
          const args = [
            ...(verbose ? ["-v"] : []),
            ...(commands[command] as string[]).map((a) => (a === "OUT" ? out : a)),
            "-f",
            file,
            ...(viaSet ? ["--set", `${carrier.path.join(".")}=${value}`] : []),
          ];
          const r = await runCli(args, { env: { PLANTON_TIMINGS: "1" } });
          assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.stderr}`);
          let written = "";
          try {
            for (const f of readdirSync(out)) written += readFileSync(join(out, f), "utf8");
          } catch {
            // nothing written
          }
          const shown = `${r.stdout}\n${r.stderr}\n${written}`;
          for (const form of [secret, Buffer.from(value).toString("base64").slice(8, 40)])
            assert.ok(!shown.includes(form), `${args.join(" ")} shows ${form}:\n${shown.slice(0, 2000)}`);
        },
      ),
      { numRuns: 300, seed: 19 },
    );
  });
});
