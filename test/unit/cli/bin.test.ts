import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { root } from "../../helpers/paths.js";

/**
 * bin/planton runs the offline commands from a V8 start-up snapshot: a second way to start the
 * same code. Each case must give exactly what the plain bundled CLI gives. Needs `npm run build`.
 */
const wrapper = join(root, "bin", "planton");
const plain = join(root, "bin", "planton.mjs");
const run = (cmd: string[], input?: string) => {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), {
    cwd: root,
    input,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

const cases: [string, string[], string?][] = [
  ["valid manifest", ["validate", "-f", "examples/production.yaml"]],
  ["invalid manifest", ["validate", "-f", "test/fixtures/manifests/invalid/units.yaml"]],
  ["JSON diagnostics", ["validate", "-o", "json", "-f", "test/fixtures/manifests/invalid/typos.yaml"]],
  ["standard input", ["validate", "-f", "-"], readFileSync(join(root, "examples", "dev.yaml"), "utf8")],
  ["render YAML", ["render", "-f", "examples/staging.yaml"]],
  [
    "render JSON with --set",
    ["render", "-f", "examples/dev.yaml", "-o", "json", "--set", "spec.controlPlane.replicas=2"],
  ],
  ["help", ["--help"]],
  ["validate help", ["validate", "--help"]],
  ["schema", ["schema"]],
  ["global option before the command", ["--color", "never", "validate", "-f", "examples/dev.yaml"]],
  ["usage error", ["validate"]],
];

describe("bin/planton (start-up snapshot) behaves exactly like the bundled CLI", () => {
  it("the snapshot was built", () => {
    assert.ok(
      existsSync(join(root, "dist", "snapshot", "planton.blob")),
      "npm run build writes dist/snapshot/planton.blob",
    );
  });
  for (const [name, args, input] of cases) {
    it(name, () => {
      const a = run([wrapper, ...args], input);
      const b = run([process.execPath, plain, ...args], input);
      assert.deepEqual(a, b);
    });
  }
  it("a snapshot stamped for another node binary is not used", () => {
    const copy = mkdtempSync(join(tmpdir(), "planton-bin-"));
    cpSync(join(root, "bin"), join(copy, "bin"), { recursive: true });
    cpSync(join(root, "dist"), join(copy, "dist"), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
    writeFileSync(join(copy, "dist", "snapshot", "node-path"), "/nonexistent/node\n");
    writeFileSync(join(copy, "dist", "snapshot", "planton.blob"), "not a snapshot");
    const r = run([join(copy, "bin", "planton"), "validate", "-f", join(root, "examples", "dev.yaml")]);
    assert.equal(r.status, 0, r.stderr);
  });
});
