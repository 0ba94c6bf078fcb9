import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveCluster } from "../../../src/cluster/kubeconfig.js";
import { readFileBounded } from "../../../src/manifest/read-file.js";

const dir = mkdtempSync(join(tmpdir(), "planton-read-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the bounded file reader (regular mode)", () => {
  it("refuses a FIFO without a writer at once, unread", () => {
    const fifo = join(dir, "fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    assert.deepEqual(readFileBounded(fifo, { limit: 10 }), { kind: "not_regular" });
  });

  it("refuses a symlink to /dev/zero unread", () => {
    symlinkSync("/dev/zero", join(dir, "zero"));
    assert.deepEqual(readFileBounded(join(dir, "zero"), { limit: 10 }), { kind: "not_regular" });
  });

  it("refuses a directory, and a file over the limit by its size", () => {
    assert.deepEqual(readFileBounded(dir, { limit: 10 }), { kind: "directory" });
    writeFileSync(join(dir, "big"), "x".repeat(11));
    assert.deepEqual(readFileBounded(join(dir, "big"), { limit: 10 }), { kind: "too_large", size: 11 });
  });

  it("reads a file up to the limit, and says missing for no file", () => {
    writeFileSync(join(dir, "ok"), "x".repeat(10));
    const r = readFileBounded(join(dir, "ok"), { limit: 10 });
    assert.equal(r.kind === "ok" ? r.bytes.length : -1, 10);
    assert.deepEqual(readFileBounded(join(dir, "nope"), { limit: 10 }), { kind: "missing" });
  });
});

describe("files planton reads besides manifests and CA files", () => {
  it("a kubeconfig that is a FIFO is refused at once, not waited on", () => {
    const fifo = join(dir, "kubeconfig-fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    const sel = {
      kubeconfigFlag: fifo,
      manifestKubeconfig: "",
      manifestContext: "",
      manifestClusterName: "",
      cwd: dir,
    };
    assert.throws(() => resolveCluster(sel, {}), /is not a regular file/);
  });
});
