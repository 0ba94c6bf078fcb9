/**
 * Hostile input and environment for the cluster commands (issue 8's list): each gets the exit
 * code of cli.md and one line saying what to do, never an internal error, never a secret, and
 * no change to the cluster. Wiring tests: the stand-in CLI and API of test/helpers.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { InterruptedError } from "../../../src/errors.js";
import { runCli } from "../../helpers/cli.js";
import { engineFixture, recordedOutputs, useStandIns } from "../../helpers/engine-fixture.js";
import { startFakeKubeApi } from "../../helpers/fake-kube.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const standIns = useStandIns();
const noChange = () =>
  assert.ok(
    !standIns.fx.commands().some((c) => ["up", "destroy"].includes(c)),
    standIns.fx.commands().join(" "),
  );

describe("state settings", () => {
  it("a file:// backend other than planton's own needs a passphrase (exit 2)", async () => {
    const dir = join(standIns.fx.work, "shared-state");
    mkdirSync(dir);
    const r = await runCli(["preview", "-f", dev, "--backend", `file://${dir}`], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /needs a passphrase to encrypt the stack's secrets\n {2}hint: set PULUMI_CONFIG_PASSPHRASE/,
    );
    assert.deepEqual(standIns.fx.calls(), []);
  });
  it("PULUMI_CONFIG_PASSPHRASE_FILE naming a directory is wrong input (exit 2)", async () => {
    const r = await runCli(["preview", "-f", dev], {
      env: { ...standIns.fx.env, PULUMI_CONFIG_PASSPHRASE_FILE: standIns.fx.work },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /PULUMI_CONFIG_PASSPHRASE_FILE .* is not a regular file/);
  });
  for (const stack of [".", "..", "-x", "a/b", ""]) {
    it(`--stack ${JSON.stringify(stack)} is refused (exit 2)`, async () => {
      const r = await runCli(["preview", "-f", dev, "--stack", stack], { env: standIns.fx.env });
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual(standIns.fx.calls(), []);
    });
  }
  // a bucket (s3://) names its lock holders instead: test/unit/pulumi/lock-wait.test.ts, e2e s3.test.ts
  it("unlock of a Pulumi Cloud backend without --force refuses instead of cancelling (exit 2)", async () => {
    const r = await runCli(["unlock", "-f", dev, "--backend", "https://api.pulumi.com"], {
      env: { ...standIns.fx.env, PULUMI_ACCESS_TOKEN: "pul-a-long-test-token-0123456789" },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unlocking it cancels whatever update is running there/);
    assert.ok(!standIns.fx.commands().includes("cancel"));
  });
});

describe("flags", () => {
  for (const t of ["abc", "-5", "0", "1e400", "90x", "100000"]) {
    it(`--timeout ${t} is refused (exit 2)`, async () => {
      const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes", `--timeout=${t}`], {
        env: standIns.fx.env,
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--timeout/);
      assert.deepEqual(standIns.fx.calls(), []);
    });
  }
  it("--timeout 10m is 600 seconds", async () => {
    standIns.fx.behave({ changes: { same: 2 } });
    const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes", "--timeout", "10m"], {
      env: standIns.fx.env,
    });
    assert.equal(r.code, 0, r.stderr);
  });
  it("--color always and --color=always are the same", async () => {
    const a = await runCli(["--color", "always", "validate", "-f", join(root, "no-such.yaml")]);
    const b = await runCli(["--color=always", "validate", "-f", join(root, "no-such.yaml")]);
    assert.equal(a.stderr, b.stderr);
    assert.ok(a.stderr.includes("\u001b["), "coloured");
  });
});

describe("the confirmation prompt", () => {
  /** `apply` of a change of three creations, answering the question with `answer`. */
  const applyAnswering = (answer: (question: string) => Promise<string | undefined>) => {
    standIns.fx.behave({ changes: { create: 3 } });
    return runCli(["apply", "--no-verify", "-f", dev], { env: standIns.fx.env, prompt: answer });
  };
  for (const [name, answer] of [
    ["Ctrl-D", async () => undefined],
    [
      "Ctrl-C",
      async () => {
        throw new InterruptedError("cancelled at the prompt: nothing was changed");
      },
    ],
  ] as const) {
    it(`${name} at [y/N] exits 130 and changes nothing`, async () => {
      const r = await applyAnswering(answer);
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /nothing was changed/);
      noChange();
    });
  }
  it("an answer other than y is a refusal: nothing changes", async () => {
    const r = await applyAnswering(async () => "n");
    assert.equal(r.code, 1, r.stderr);
    noChange();
  });
  it("y applies", async () => {
    const r = await applyAnswering(async () => "y");
    assert.equal(r.code, 0, r.stderr);
    assert.ok(standIns.fx.commands().includes("up"));
  });
});

describe("the cluster", () => {
  it("HTTP 403 is one clear line (exit 1): no headers, no body, no internal error", async () => {
    const locked = await startFakeKubeApi({ forbid: /deployments/ });
    try {
      const f = engineFixture(locked.url);
      const r = await runCli(["preview", "-f", dev], { env: f.env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /forbids listing istiod Deployments: HTTP 403: forbidden: User "test" cannot access/,
      );
      assert.doesNotMatch(r.stderr, /internal error|content-type|headers|"kind":"Status"/i);
    } finally {
      await locked.close();
    }
  });
  it("the stack's own istiod is not foreign after --set spec.namespace; the move itself is refused", async () => {
    const own = await startFakeKubeApi({
      deployments: [
        {
          metadata: {
            name: "istiod",
            namespace: "istio-system",
            labels: { app: "istiod" },
            annotations: { "meta.helm.sh/release-name": "istiod" },
          },
        },
      ],
    });
    try {
      const f = engineFixture(own.url);
      f.seedStack("dev-mesh", recordedOutputs("1.30.3"));
      const r = await runCli(["preview", "-f", dev, "--set", "spec.namespace=mesh2"], { env: f.env });
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /does not manage/);
      assert.match(
        r.stderr,
        /refusing to move the control plane from namespace istio-system to mesh2 in place/,
      );
      assert.ok(!f.commands().includes("preview"));
    } finally {
      await own.close();
    }
  });
  it("apply with nothing to change on a stack that recorded no outputs succeeds", async () => {
    standIns.fx.behave({ changes: { same: 3 } });
    const r = await runCli(["apply", "--no-verify", "-f", dev, "--yes", "--json"], { env: standIns.fx.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).outputs.namespace, "istio-system");
  });
});

describe("apply verifies the mesh at the end", () => {
  it("an unhealthy control plane after apply is exit 1 naming what is wrong; --no-verify skips the check", async () => {
    standIns.fx.behave({ changes: { create: 3 } });
    const r = await runCli(["apply", "-f", dev, "--yes", "--timeout", "1"], { env: standIns.fx.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /the mesh is not healthy 1s after apply: .*istiod/);
    assert.match(r.stderr, /apply --no-verify skips this one/);
    const skipped = await runCli(["apply", "-f", dev, "--yes", "--no-verify"], { env: standIns.fx.env });
    assert.equal(skipped.code, 0, skipped.stderr);
  });
});

describe("secrets never printed", () => {
  it("a malformed kubeconfig's token and key stay hidden, even with -v", async () => {
    const path = join(standIns.fx.work, "bad-kubeconfig");
    writeFileSync(
      path,
      "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: sup3r-s3cret-t0ken-value\n    client-key-data: TUlJRXBBSUJBQUtDQVFFQTNzZWNyZXQ=\n  : : [\n",
    );
    const r = await runCli(["-v", "preview", "-f", dev, "--kubeconfig", path], { env: standIns.fx.env });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is not a valid kubeconfig/);
    assert.doesNotMatch(r.stderr, /sup3r-s3cret|TUlJRXBB/);
  });
  it("a short passphrase is warned about and does not mangle other words", async () => {
    standIns.fx.behave({
      fail: "message",
      message: "error: bad affinity preferredDuringSchedulingIgnoredDuringExecution x",
    });
    const r = await runCli(["preview", "-f", dev], {
      env: { ...standIns.fx.env, PULUMI_CONFIG_PASSPHRASE: "x" },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /shorter than 8 characters/);
    assert.match(r.stderr, /preferredDuringSchedulingIgnoredDuringExecution/);
    assert.match(r.stderr, /Execution \[secret\]/);
  });
  it("URL userinfo, tokens and bearer headers in engine errors are redacted", async () => {
    standIns.fx.behave({
      fail: "message",
      message:
        'error: GET https://admin:hunter2hunter2@charts.example.com/index.yaml failed; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def; "token": "t0k3n-v4lue-xyz"; url?token=abcdef123456',
    });
    const r = await runCli(["preview", "-f", dev], { env: standIns.fx.env });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /hunter2|eyJhbGci|t0k3n-v4lue|abcdef123456/);
  });
});

describe("nothing left behind", () => {
  it("no temporary folder stays after preview, apply and destroy", async () => {
    standIns.fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
    standIns.fx.behave({ changes: { update: 1 } });
    for (const cmd of [["preview"], ["apply", "--yes", "--no-verify"], ["destroy", "--yes"]]) {
      const r = await runCli([...cmd, "-f", dev], { env: standIns.fx.env });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(readdirSync(join(standIns.fx.work, "tmp")), []);
  });
  it("session folders of killed planton processes are swept; a running one's stays", async () => {
    const dead = join(standIns.fx.work, "tmp", `planton-${2 ** 22 + 12345}-abcDEF`);
    const running = join(standIns.fx.work, "tmp", "planton-1-abcDEF");
    mkdirSync(dead);
    mkdirSync(running);
    standIns.fx.behave({ changes: { same: 1 } });
    const r = await runCli(["preview", "-f", dev], { env: standIns.fx.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(standIns.fx.work, "tmp")), ["planton-1-abcDEF"]);
  });
  it("a preview of a manifest never applied leaves no empty stack", async () => {
    standIns.fx.behave({ changes: { create: 3 } });
    const r = await runCli(["preview", "-f", dev], { env: standIns.fx.env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(standIns.fx.commands().includes("stack rm"), standIns.fx.commands().join(" "));
  });
});

describe("standard output", () => {
  const bin = join(root, "bin", "planton.mjs");
  it("full: exit 1 with one line saying so", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" version > /dev/full`], {
      encoding: "utf8",
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot write to standard output \(ENOSPC\)/);
  });
  it("closed: no crash, no stack trace (Node reopens a closed descriptor on /dev/null)", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" version >&-`], { encoding: "utf8" });
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.ok(r.status === 0 || r.status === 1, String(r.status));
  });
  it("a reader that goes away (| head) is not an error", () => {
    const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" schema | head -c 10 >/dev/null`], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  });
});
