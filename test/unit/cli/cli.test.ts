import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { runCli } from "../../helpers/cli.js";
import { root, validManifests, yamlFiles } from "../../helpers/paths.js";

/** The start of an ANSI colour sequence (ESC [). */
const ansiEscape = new RegExp(`${String.fromCharCode(27)}\\[`);

const commands = [
  "validate",
  "render",
  "preview",
  "apply",
  "destroy",
  "refresh",
  "outputs",
  "schema",
  "version",
];

describe("help", () => {
  it("planton --help lists every command, examples and exit codes", async () => {
    const r = await runCli(["--help"]);
    assert.equal(r.code, 0);
    for (const c of commands) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
    assert.match(r.stdout, /Examples:/);
    assert.match(r.stdout, /Exit codes:/);
  });
  for (const c of commands) {
    it(`planton ${c} --help has examples`, async () => {
      const r = await runCli([c, "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Examples:\n {2}planton /);
    });
  }
});

describe("exit codes and streams", () => {
  it("an unknown command is a usage error (2)", async () => {
    const r = await runCli(["instal"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command/);
  });
  it("a missing -f is a usage error (2)", async () => {
    assert.equal((await runCli(["validate"])).code, 2);
  });
  it("a malformed --set is a usage error (2) with a hint", async () => {
    const r = await runCli(["validate", "-f", `${root}/examples/dev.yaml`, "--set", "spec.version"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expected PATH=VALUE\n {2}hint:/);
  });
  it("valid files: exit 0, the verdict on stdout", async () => {
    // several -f are one mesh (below): the examples are checked one by one, the multi-cluster pairs together
    const files = yamlFiles("examples").map(([, f]) => f);
    for (const f of files) {
      const r = await runCli(["validate", "-f", f]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${f}: valid\n`);
    }
    for (const pair of [
      ["multi-primary/east", "multi-primary/west"],
      ["primary-remote/primary", "primary-remote/remote"],
    ]) {
      const set = pair.flatMap((f) => ["-f", `${root}/examples/multicluster/${f}.yaml`]);
      const r = await runCli(["validate", ...set]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim().split("\n").length, 2);
    }
  });
  it("several -f are checked as one mesh, as preview checks them: the same diagnostics and exit 2", async () => {
    const mc = `${root}/examples/multicluster`;
    const sets = [
      // a primary whose remote is not given; a remote whose primary is not given
      [`${mc}/multi-primary/east.yaml`, `${mc}/primary-remote/remote.yaml`],
      // one stack name twice, no cluster names
      [`${root}/examples/dev.yaml`, `${root}/examples/dev.yaml`],
      // two multi-primary meshes with different meshIds and one cluster name twice
      [`${mc}/multi-primary/east.yaml`, `${mc}/multi-primary/west.yaml`, `${mc}/primary-remote/primary.yaml`],
    ];
    for (const set of sets) {
      const files = set.flatMap((f) => ["-f", f]);
      const preview = await runCli(["preview", ...files]);
      const v = await runCli(["validate", ...files]);
      assert.equal(preview.code, 2, preview.stderr);
      assert.equal(v.code, 2, v.stderr);
      assert.equal(v.stderr, preview.stderr);
      const json = await runCli(["validate", "-o", "json", ...files]);
      assert.equal(json.code, 2);
      const errors = (JSON.parse(json.stdout) as { code: string; file: string; severity: string }[]).filter(
        (d) => d.severity === "error",
      );
      assert.ok(errors.some((d) => d.code.startsWith("mesh_set.")));
      for (const d of errors) assert.ok(!v.stdout.includes(`${d.file}: valid`), `${d.file} is not valid`);
    }
  });
  it("an invalid file among valid ones: exit 2, every file checked", async () => {
    const r = await runCli([
      "validate",
      "-o",
      "json",
      "-f",
      `${root}/examples/dev.yaml`,
      `${root}/test/fixtures/manifests/invalid/typos.yaml`,
      `${root}/test/fixtures/manifests/invalid/units.yaml`,
    ]);
    assert.equal(r.code, 2);
    const files = new Set((JSON.parse(r.stdout) as { file: string }[]).map((d) => d.file));
    assert.equal(files.size, 2);
  });
  it("colour only when asked, and never with NO_COLOR", async () => {
    const bad = `${root}/test/fixtures/manifests/invalid/typos.yaml`;
    assert.match((await runCli(["--color", "always", "validate", "-f", bad])).stderr, ansiEscape);
    assert.doesNotMatch((await runCli(["validate", "-f", bad])).stderr, ansiEscape);
    assert.doesNotMatch(
      (await runCli(["validate", "-f", bad], { env: { NO_COLOR: "1", FORCE_COLOR: "1" } })).stderr,
      ansiEscape,
    );
  });
  it("render prints YAML by default and JSON with -o json", async () => {
    const y = await runCli(["render", "-f", `${root}/examples/dev.yaml`]);
    const j = await runCli(["render", "-f", `${root}/examples/dev.yaml`, "-o", "json"]);
    assert.equal(y.code, 0);
    assert.deepEqual(parse(y.stdout), JSON.parse(j.stdout));
  });
  it("render (a one-manifest command) refuses a second -f with exit 2, a missing first file too", async () => {
    const dev = `${root}/examples/dev.yaml`;
    for (const args of [
      ["render", "-f", `${root}/no-such-file.yaml`, "-f", dev],
      ["render", "-f", dev, "-f", dev, "-o", "json"],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /a second manifest: this command reads one \(the first was [^)]+\)/);
    }
  });
  it("render of an invalid manifest prints diagnostics and exits 2 with nothing on stdout", async () => {
    const r = await runCli(["render", "-f", `${root}/test/fixtures/manifests/invalid/units.yaml`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /units.yaml:9:9: error/);
  });
  it("version -o json names planton, Istio and Pulumi versions", async () => {
    const r = await runCli(["version", "-o", "json"]);
    assert.equal(r.code, 0);
    const v = JSON.parse(r.stdout);
    assert.equal(v.istio, "1.30.3");
    assert.match(v.planton, /^\d+\.\d+\.\d+/);
    assert.ok("pulumiSdk" in v && "pulumiCli" in v);
  });
});

describe("planton schema", () => {
  it("is a JSON Schema that accepts every valid manifest and rejects typos and bad values", async () => {
    const r = await runCli(["schema"]);
    assert.equal(r.code, 0);
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(r.stdout));
    for (const [name, file] of [...validManifests(), ...yamlFiles("test/fixtures/planton")]) {
      assert.ok(validate(parse(readFileSync(file, "utf8"))), `${name}: ${JSON.stringify(validate.errors)}`);
    }
    const typo = parse(readFileSync(`${root}/test/fixtures/manifests/invalid/typos.yaml`, "utf8"));
    assert.equal(validate(typo), false);
    const badProfile = {
      ...parse(readFileSync(`${root}/examples/dev.yaml`, "utf8")),
      spec: { profile: "huge" },
    };
    assert.equal(validate(badProfile), false);
  });
  it("examples point editors at the committed schema", () => {
    for (const [name, file] of yamlFiles("examples")) {
      assert.match(
        readFileSync(file, "utf8"),
        /^# yaml-language-server: \$schema=\.\.\/schema\/kubernetes-istio\.v1\.json\n/,
        name,
      );
    }
  });
});
