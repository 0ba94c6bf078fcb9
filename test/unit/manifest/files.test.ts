import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runCli } from "../../helpers/cli.js";
import { header } from "../../helpers/load.js";

const dir = mkdtempSync(join(tmpdir(), "planton-files-"));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Unreadable or hostile input: each gives exactly one clear diagnostic and exit code 2. */
const cases: { name: string; path: () => string; code: string; stdin?: string }[] = [
  { name: "missing file", path: () => join(dir, "nope.yaml"), code: "file.missing" },
  { name: "a directory", path: () => dir, code: "file.directory" },
  { name: "empty file", path: () => file("empty.yaml", ""), code: "file.empty" },
  { name: "only comments", path: () => file("comments.yaml", "# nothing here\n"), code: "file.empty" },
  {
    name: "2 MB file",
    path: () => file("big.yaml", `${header}spec: {}\n#${"x".repeat(2 * 1024 * 1024)}\n`),
    code: "file.too_large",
  },
  {
    name: "binary file",
    path: () => file("bin.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3])),
    code: "file.binary",
  },
  {
    name: "non-UTF-8 bytes",
    path: () =>
      file(
        "latin1.yaml",
        Buffer.concat([Buffer.from(header), Buffer.from([0x73, 0x70, 0xe9, 0x63, 0x3a, 0x0a])]),
      ),
    code: "file.encoding",
  },
  {
    name: "YAML syntax error",
    path: () => file("syntax.yaml", `${header}spec:\n  profile: [minimal\n`),
    code: "yaml.syntax",
  },
  {
    name: "tab indentation",
    path: () => file("tabs.yaml", `${header}spec:\n\tprofile: minimal\n`),
    code: "yaml.syntax",
  },
  {
    name: "duplicate key",
    path: () => file("dup.yaml", `${header}spec:\n  profile: minimal\n  profile: demo\n`),
    code: "yaml.duplicate_key",
  },
  {
    name: "several documents",
    path: () => file("multi.yaml", `${header}spec: {}\n---\n${header}spec: {}\n`),
    code: "yaml.multiple_documents",
  },
  {
    name: "deeply nested flow",
    path: () =>
      file(
        "deep.yaml",
        `${header}spec:\n  helmValues:\n    istiod: ${"[".repeat(5000)}${"]".repeat(5000)}\n`,
      ),
    code: "yaml.too_deep",
  },
  {
    name: "billion laughs",
    path: () => {
      let y = `${header}spec:\n  helmValues:\n    istiod:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
      for (let i = 1; i < 10; i++)
        y += `      a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]\n`;
      return file("laughs.yaml", y);
    },
    code: "yaml.too_large",
  },
  {
    name: "a scalar instead of a manifest",
    path: () => file("scalar.yaml", "hello\n"),
    code: "type.mismatch",
  },
  { name: "standard input, empty", path: () => "-", code: "file.empty", stdin: "" },
];

describe("unreadable and hostile files give one clear diagnostic and exit 2", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCli(
        ["validate", "-o", "json", "-f", c.path()],
        c.stdin === undefined ? {} : { stdin: c.stdin },
      );
      assert.equal(r.code, 2, r.stderr);
      const list = JSON.parse(r.stdout) as { code: string; line: number; column: number; hint?: string }[];
      assert.equal(list.length, 1, r.stdout);
      assert.equal(list[0]?.code, c.code);
      assert.ok((list[0]?.line ?? 0) >= 1 && (list[0]?.column ?? 0) >= 1);
      assert.ok(list[0]?.hint, "has a hint");
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    });
  }
});
