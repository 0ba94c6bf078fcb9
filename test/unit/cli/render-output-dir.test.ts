import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { render } from "../../../src/cli/commands/render.js";
import { UsageError } from "../../../src/errors.js";
import type { InstallPlan } from "../../../src/istio/types.js";
import { captureContext } from "../../helpers/context.js";
import { root } from "../../helpers/paths.js";

const production = join(root, "examples", "production.yaml");
const base = mkdtempSync(join(tmpdir(), "planton-render-dir-"));
after(() => rmSync(base, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory for one test. */
function scratch(): string {
  const dir = join(base, `case-${++counter}`);
  mkdirSync(dir);
  return dir;
}

/** Calls `render` directly with captured streams; returns what it printed, or the error. */
async function renderTo(outputDir: string, set: string[] = [], cwd = base) {
  const { ctx, out } = captureContext({ cwd });
  try {
    await render({ file: production, set, output: "json", outputDir }, ctx);
    return { error: undefined, ...out };
  } catch (error) {
    return { error, ...out };
  }
}

/** The error of a render that must fail with a usage error (exit 2) and a hint. */
function usageError(error: unknown): UsageError {
  assert.ok(error instanceof UsageError, `expected a UsageError, got ${String(error)}`);
  assert.equal(error.exitCode, 2);
  assert.ok(error.hint !== undefined && error.hint !== "");
  return error;
}

const allReleases = ["istio-base", "istiod", "istio-ingressgateway", "istio-egressgateway"];
const valuesFiles = (names: string[]) => names.map((n) => `${n}.values.yaml`);
const listing = (dir: string) => readdirSync(dir).sort();

describe("render --output-dir", () => {
  it("creates the directory and writes one values file per release plus plan.json", async () => {
    const dir = join(scratch(), "nested", "out");
    const r = await renderTo(dir);
    assert.equal(r.error, undefined);
    assert.deepEqual(listing(dir), [...valuesFiles(allReleases), "plan.json"].sort());
    const plan = JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as InstallPlan;
    assert.deepEqual(JSON.parse(r.stdout), plan, "stdout and plan.json agree");
    assert.match(r.stderr, /wrote 4 values files and plan\.json to /);
  });

  it("a relative directory is relative to the working directory", async () => {
    const cwd = scratch();
    assert.equal((await renderTo("out/", [], cwd)).error, undefined);
    assert.ok(existsSync(join(cwd, "out", "plan.json")));
  });

  it("removes the values file of a removed gateway, and no other file", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "notes.txt"), "mine");
    writeFileSync(join(dir, "other.values.yaml"), "mine: true\n");
    assert.equal((await renderTo(dir)).error, undefined);
    const r = await renderTo(dir, ["spec.egressGateways=[]"]);
    assert.equal(r.error, undefined);
    assert.deepEqual(
      listing(dir),
      [
        ...valuesFiles(allReleases.filter((n) => n !== "istio-egressgateway")),
        "notes.txt",
        "other.values.yaml",
        "plan.json",
      ].sort(),
    );
    assert.match(r.stderr, /removed 1 stale values files: istio-egressgateway\.values\.yaml/);
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "mine");
    assert.equal(readFileSync(join(dir, "other.values.yaml"), "utf8"), "mine: true\n");
  });

  it("a renamed gateway: the old file goes, the new one comes", async () => {
    const dir = scratch();
    assert.equal((await renderTo(dir)).error, undefined);
    assert.equal((await renderTo(dir, ["spec.egressGateways[0].name=egress-b"])).error, undefined);
    assert.ok(existsSync(join(dir, "egress-b.values.yaml")));
    assert.ok(!existsSync(join(dir, "istio-egressgateway.values.yaml")));
  });

  it("never writes through a symbolic link: the victim is untouched and nothing is written", async () => {
    for (const link of ["plan.json", "istiod.values.yaml"]) {
      const parent = scratch();
      const dir = join(parent, "out");
      mkdirSync(dir);
      const victim = join(parent, "victim");
      writeFileSync(victim, "precious");
      symlinkSync("../victim", join(dir, link));
      const r = await renderTo(dir);
      const err = usageError(r.error);
      assert.match(err.message, new RegExp(`${link.replaceAll(".", "\\.")} is a symbolic link`));
      assert.equal(readFileSync(victim, "utf8"), "precious");
      assert.deepEqual(listing(dir), [link], "nothing written, no temporary file left");
      assert.ok(lstatSync(join(dir, link)).isSymbolicLink());
    }
  });

  it("a dangling symbolic link is refused too", async () => {
    const dir = scratch();
    symlinkSync(join(dir, "..", "does-not-exist"), join(dir, "plan.json"));
    usageError((await renderTo(dir)).error);
    assert.ok(!existsSync(join(dir, "..", "does-not-exist")));
  });

  it("refuses a directory that is a symbolic link, naming its target", async () => {
    const parent = scratch();
    const real = join(parent, "real");
    mkdirSync(real);
    symlinkSync(real, join(parent, "out"));
    for (const given of [join(parent, "out"), `${join(parent, "out")}/`]) {
      const err = usageError((await renderTo(given)).error);
      assert.match(err.message, /is a symbolic link \(to .*real\)/);
      assert.deepEqual(listing(real), []);
    }
  });

  it("refuses to write a credential from spec.helmValues, in any of its shapes, and writes nothing", async () => {
    const secret = "Gitops-5ecret-77";
    for (const set of [
      `spec.helmValues.istiod.pilot.env.password=${secret}`,
      `spec.helmValues.istiod.pilot.env.AUTH=Bearer ${secret}`,
      `spec.helmValues.gateway.extra=https://bob:${secret}@example.com/`,
    ]) {
      const dir = scratch();
      const r = await renderTo(dir, [set]);
      const err = usageError(r.error);
      assert.match(err.message, /would hold a credential/);
      assert.deepEqual(listing(dir), []);
      assert.ok(!`${err.message}${err.hint}${r.stdout}${r.stderr}`.includes(secret));
    }
  });
  it("refuses a path that exists and is not a directory", async () => {
    const file = join(scratch(), "out");
    writeFileSync(file, "a file");
    const err = usageError((await renderTo(file)).error);
    assert.match(err.message, /exists and is not a directory/);
    assert.equal(readFileSync(file, "utf8"), "a file");
  });

  it("refuses a target that is not a regular file", async () => {
    const dir = scratch();
    mkdirSync(join(dir, "istiod.values.yaml"));
    const err = usageError((await renderTo(dir)).error);
    assert.match(err.message, /istiod\.values\.yaml is not a regular file/);
    assert.deepEqual(listing(dir), ["istiod.values.yaml"]);
  });

  it("refuses to replace a plan.json that planton did not write", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "plan.json"), '{"terraform": true}');
    const err = usageError((await renderTo(dir)).error);
    assert.match(err.message, /plan\.json exists and is not a plan planton wrote/);
    assert.equal(readFileSync(join(dir, "plan.json"), "utf8"), '{"terraform": true}');
    assert.deepEqual(listing(dir), ["plan.json"]);
  });

  it("removes only regular files with safe names that the previous plan.json lists", async () => {
    const parent = scratch();
    const dir = join(parent, "out");
    mkdirSync(dir);
    writeFileSync(join(parent, "outside.values.yaml"), "keep");
    writeFileSync(join(parent, "victim"), "keep");
    symlinkSync("../victim", join(dir, "linked.values.yaml"));
    writeFileSync(join(dir, "old.values.yaml"), "old: true\n");
    writeFileSync(
      join(dir, "plan.json"),
      JSON.stringify({
        version: 1,
        releases: [{ name: "../outside" }, { name: "linked" }, { name: "old" }, { name: 7 }, null],
      }),
    );
    const r = await renderTo(dir);
    assert.equal(r.error, undefined);
    assert.equal(readFileSync(join(parent, "outside.values.yaml"), "utf8"), "keep");
    assert.equal(readFileSync(join(parent, "victim"), "utf8"), "keep");
    assert.ok(lstatSync(join(dir, "linked.values.yaml")).isSymbolicLink(), "a link is left alone");
    assert.ok(!existsSync(join(dir, "old.values.yaml")));
    assert.match(r.stderr, /removed 1 stale values files: old\.values\.yaml\n/);
  });

  it("rewriting an unchanged plan changes no file content and leaves no temporary file", async () => {
    const dir = scratch();
    assert.equal((await renderTo(dir)).error, undefined);
    const before = Object.fromEntries(listing(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    const r = await renderTo(dir);
    assert.equal(r.error, undefined);
    assert.doesNotMatch(r.stderr, /removed/);
    assert.deepEqual(
      Object.fromEntries(listing(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")])),
      before,
    );
  });
});
