import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadManifest } from "../../../src/manifest/load.js";
import { maxManifestBytes, readAtMost, readManifestSource } from "../../../src/manifest/source.js";
import { runCli } from "../../helpers/cli.js";
import { header } from "../../helpers/load.js";
import { root } from "../../helpers/paths.js";

const dir = mkdtempSync(join(tmpdir(), "planton-source-"));
const small = `${header}spec:\n  profile: minimal\n`;

/** Memory grows by less than this while reading an endless source. */
const flat = 64 * 1024 * 1024;

/** A FIFO with a shell writing `command`'s output into it; `stop` ends the writer. */
function fifo(name: string, command: string): { path: string; stop: () => void } {
  const path = join(dir, name);
  const made = spawnSync("mkfifo", [path]);
  assert.equal(made.status, 0, String(made.stderr));
  const writer = spawn("sh", ["-c", `${command} > '${path}'`], { stdio: "ignore" });
  writer.on("error", () => undefined);
  return {
    path,
    stop: () => {
      if (writer.exitCode === null && writer.signalCode === null) writer.kill();
    },
  };
}

describe("reads are bounded for every kind of source", () => {
  it("/dev/zero: one file.too_large after reading at most the limit, memory flat", () => {
    const before = process.memoryUsage().rss;
    const r = readManifestSource("/dev/zero");
    assert.equal(r.kind, "invalid");
    if (r.kind !== "invalid") return;
    assert.equal(r.diagnostic.code, "file.too_large");
    assert.deepEqual([r.diagnostic.line, r.diagnostic.column], [1, 1]);
    assert.ok(r.diagnostic.hint);
    assert.ok(process.memoryUsage().rss - before < flat);
  });
  it("a FIFO that never ends: file.too_large", () => {
    const f = fifo("endless", "yes 'a: b'");
    try {
      const r = readManifestSource(f.path);
      assert.equal(r.kind === "invalid" && r.diagnostic.code, "file.too_large");
    } finally {
      f.stop();
    }
  });
  it("a FIFO with a manifest in it is read like a file", () => {
    writeFileSync(join(dir, "small.yaml"), small);
    const f = fifo("small", `cat '${join(dir, "small.yaml")}'`);
    try {
      const r = loadManifest({ file: f.path });
      assert.equal(r.kind, "ok", JSON.stringify(r));
    } finally {
      f.stop();
    }
  });
  it("standard input is asked for at most the limit plus one byte", () => {
    const asked: number[] = [];
    const r = readManifestSource("-", {
      readStdin: (limit) => {
        asked.push(limit);
        return Buffer.alloc(limit, 0x61);
      },
    });
    assert.deepEqual(asked, [maxManifestBytes + 1]);
    assert.equal(r.kind === "invalid" && r.diagnostic.code, "file.too_large");
  });
  it("a reader that ignores the limit is still refused", () => {
    const r = readManifestSource("-", { readStdin: () => Buffer.alloc(maxManifestBytes + 10, 0x61) });
    assert.equal(r.kind === "invalid" && r.diagnostic.code, "file.too_large");
  });
  it("readAtMost stops at the limit on an endless descriptor", () => {
    const fd = openSync("/dev/zero", "r");
    try {
      assert.equal(readAtMost(fd, 10).length, 10);
    } finally {
      closeSync(fd);
    }
  });
  it("the process's standard input reader, given /dev/zero: file.too_large, exit 2, memory flat", () => {
    const script = [
      `import { readManifestSource, readProcessStdin } from ${JSON.stringify(join(root, "src/manifest/source.ts"))};`,
      'const r = readManifestSource("-", { readStdin: readProcessStdin });',
      "console.log(JSON.stringify({ code: r.kind === 'invalid' ? r.diagnostic.code : 'ok', rss: process.memoryUsage().rss }));",
    ].join("\n");
    const stdin = openSync("/dev/zero", "r");
    try {
      const p = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: [stdin, "pipe", "pipe"],
        encoding: "utf8",
        cwd: root,
        timeout: 60_000,
      });
      assert.equal(p.status, 0, p.stderr);
      const out = JSON.parse(p.stdout) as { code: string; rss: number };
      assert.equal(out.code, "file.too_large");
      assert.ok(out.rss < 400 * 1024 * 1024, `rss ${out.rss}`);
    } finally {
      closeSync(stdin);
    }
  });
  it("validate -f /dev/zero: exit 2 with one diagnostic", async () => {
    const r = await runCli(["validate", "-o", "json", "-f", "/dev/zero"]);
    assert.equal(r.code, 2, r.stderr);
    const list = JSON.parse(r.stdout) as { code: string }[];
    assert.deepEqual(
      list.map((d) => d.code),
      ["file.too_large"],
    );
  });
});

describe("standard input is read once", () => {
  it("validate -f - -f - is a usage error", async () => {
    const r = await runCli(["validate", "-f", "-", "-f", "-"], { stdin: small });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /standard input can be read only once/);
    assert.doesNotMatch(r.stderr, /is empty/);
  });
});

describe("relative paths are resolved against Io.cwd", () => {
  const project = join(dir, "project");
  mkdirSync(join(project, "charts"), { recursive: true });
  writeFileSync(
    join(project, "mesh.yaml"),
    `${header}spec:\n  profile: minimal\n  charts: {repository: ./charts}\n`,
  );
  assert.notEqual(process.cwd(), project);

  it("loadManifest resolves the file and the chart directory against cwd", () => {
    const r = loadManifest({ file: "mesh.yaml", cwd: project });
    assert.equal(r.kind, "ok", JSON.stringify(r));
    if (r.kind !== "ok") return;
    assert.equal(r.file, "mesh.yaml");
    assert.equal(r.manifestDir, project);
    assert.equal(r.manifest.spec.charts?.repository, join(project, "charts"));
  });
  it("standard input's chart directory is relative to cwd", () => {
    const r = loadManifest({
      file: "-",
      cwd: project,
      readStdin: () => Buffer.from(`${header}spec:\n  charts: {repository: charts}\n`),
    });
    assert.equal(r.kind, "ok", JSON.stringify(r));
  });
  it("validate and render honour the command's cwd", async () => {
    const v = await runCli(["validate", "-f", "dev.yaml"], { cwd: join(root, "examples") });
    assert.equal(v.code, 0, v.stderr);
    const r = await runCli(["render", "-f", "mesh.yaml"], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
  });
});
