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
    const files = yamlFiles("examples").map(([, f]) => f);
    const r = await runCli(["validate", "-f", ...files]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, files.length);
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
