/**
 * Reading the state without the Pulumi SDK (what `status` does): one `pulumi stack export`
 * spawned directly, with the engine session's environment, and the session's error mapping.
 * A stub `pulumi` records how it was called and answers as the real CLI does.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveEngineSettings } from "../../../src/pulumi/settings.js";
import { exportStackState } from "../../../src/pulumi/state-read.js";
import { root } from "../../helpers/paths.js";

/** The stub: records args, cwd, its project file and environment; `STUB_ANSWER` picks the answer. */
const stub = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
fs.writeFileSync(process.env.STUB_RECORD, JSON.stringify({
  args: process.argv.slice(2),
  cwd: process.cwd(),
  project: fs.readFileSync(path.join(process.cwd(), "Pulumi.yaml"), "utf8"),
  env: process.env,
}));
const fail = (m) => { process.stderr.write(m + "\\n"); process.exit(255); };
switch (process.env.STUB_ANSWER) {
  case "missing": fail("error: no stack named 'dev-mesh' found");
  case "passphrase": fail('error: could not deserialize deployment: constructing secrets manager of type "passphrase": incorrect passphrase');
  case "garbage": process.stdout.write("{not json"); break;
  case "other": fail("error: the backend is on fire");
  default: process.stdout.write(JSON.stringify({ version: 3, deployment: { resources: [
    { type: "pulumi:pulumi:Stack", outputs: { namespace: "istio-system", version: "1.30.3", releases: {}, namespaces: [] } },
    { type: "kubernetes:helm.sh/v3:Release", outputs: { name: "istiod", namespace: "istio-system", chart: "istiod", version: "1.30.3",
      values: {} } },
  ] } }));
}
`;

function fixture(answer?: string) {
  const work = mkdtempSync(join(tmpdir(), "planton-state-read-"));
  const bin = join(work, "bin");
  const tmp = join(work, "tmp");
  mkdirSync(bin);
  mkdirSync(tmp);
  writeFileSync(join(bin, "pulumi"), stub);
  chmodSync(join(bin, "pulumi"), 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    PLANTON_HOME: join(work, "home"),
    PULUMI_CONFIG_PASSPHRASE: "the-passphrase",
    TMPDIR: tmp,
    STUB_RECORD: join(work, "record.json"),
    ...(answer === undefined ? {} : { STUB_ANSWER: answer }),
  };
  const settings = resolveEngineSettings({ manifestName: "dev-mesh" }, env);
  const record = () =>
    JSON.parse(readFileSync(join(work, "record.json"), "utf8")) as {
      args: string[];
      cwd: string;
      project: string;
      env: Record<string, string>;
    };
  return { settings, env, tmp, record };
}

const message = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return `${(err as Error).message}\n${(err as { hint?: string }).hint ?? ""}`;
  }
  return "no error";
};

describe("reading the state with one pulumi stack export", () => {
  it("runs stack export --show-secrets for planton's project with the session's environment, and leaves nothing behind", async () => {
    const fx = fixture();
    const read = await exportStackState({ settings: fx.settings, env: fx.env });
    assert.equal(read?.state?.outputs?.namespace, "istio-system");
    assert.deepEqual(
      read?.state?.releases.map((r) => r.name),
      ["istiod"],
    );
    const r = fx.record();
    assert.deepEqual(r.args, [
      "stack",
      "export",
      "--show-secrets",
      "--stack",
      "dev-mesh",
      "--non-interactive",
    ]);
    assert.match(r.project, /^name: planton-kubernetes-istio\n/);
    assert.ok(r.project.includes(`url: ${JSON.stringify(fx.settings.backendUrl)}`), r.project);
    assert.equal(r.env.PULUMI_BACKEND_URL, fx.settings.backendUrl);
    assert.equal(r.env.PULUMI_CONFIG_PASSPHRASE, "the-passphrase");
    assert.equal(r.env.PULUMI_SKIP_UPDATE_CHECK, "true");
    // a TMPDIR of its own, inside the private folder, and both removed afterwards
    assert.ok(r.env.TMPDIR?.startsWith(join(fx.tmp, `planton-${process.pid}-`)), r.env.TMPDIR);
    assert.ok(r.cwd.startsWith(join(fx.tmp, `planton-${process.pid}-`)), r.cwd);
    assert.deepEqual(readdirSync(fx.tmp), []);
  });

  it("a stack that does not exist reads as undefined", async () => {
    const fx = fixture("missing");
    assert.deepEqual(await exportStackState({ settings: fx.settings, env: fx.env }), { state: undefined });
    assert.deepEqual(readdirSync(fx.tmp), []);
  });

  it("a wrong passphrase, an unreadable export and other failures map as the engine session maps them", async () => {
    const wrong = fixture("passphrase");
    assert.match(
      await message(exportStackState({ settings: wrong.settings, env: wrong.env })),
      /the state of stack dev-mesh cannot be decrypted with this passphrase; nothing was changed\nset PULUMI_CONFIG_PASSPHRASE/,
    );
    const garbage = fixture("garbage");
    assert.match(
      await message(exportStackState({ settings: garbage.settings, env: garbage.env })),
      /the state of stack dev-mesh cannot be read/,
    );
    const other = fixture("other");
    assert.match(
      await message(exportStackState({ settings: other.settings, env: other.env })),
      /failed: error: the backend is on fire/,
    );
    for (const fx of [wrong, garbage, other]) assert.deepEqual(readdirSync(fx.tmp), []);
  });

  it("without a Pulumi CLI on this machine it reads nothing (the engine session installs one)", async () => {
    const fx = fixture();
    const env = { ...fx.env, PATH: "/nonexistent" };
    assert.equal(await exportStackState({ settings: fx.settings, env }), undefined);
  });

  it("the status command's modules do not load the Pulumi SDK", () => {
    const probe = [
      'import { createRequire } from "node:module";',
      'await import("./src/cli/commands/status.ts");',
      'const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("/@pulumi/"));',
      "console.log(JSON.stringify(loaded));",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "null"), []);
  });
});
