/**
 * The deploy verbs called directly, without the CLI: an opened stack in (test/helpers/
 * opened-stack.ts), a typed result out, against the recording stand-in pulumi and the stand-in
 * API. What the CLI adds (flags, exit codes, streams) is tested in test/unit/cli/.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { apply } from "../../../src/deploy/apply.js";
import { destroy } from "../../../src/deploy/destroy.js";
import { preview } from "../../../src/deploy/preview.js";
import { runStacks } from "../../../src/deploy/run-stacks.js";
import { DeployError, ExitCode, UnhealthyError } from "../../../src/errors.js";
import { recordedOutputs, useStandIns } from "../../helpers/engine-fixture.js";
import { openedStack, recordingIo, stackFile, type Told } from "../../helpers/opened-stack.js";
import { root } from "../../helpers/paths.js";

const dev = join(root, "examples", "dev.yaml");
const standIns = useStandIns();

describe("deploy verbs, request in, result out", () => {
  it("preview of a stack never applied: every release created, and no empty stack left behind", async () => {
    const { fx } = standIns;
    fx.behave({ changes: { create: 3 } });
    const { req } = await openedStack(dev, fx.env);
    const r = await preview(req);
    assert.equal(r.stack, "dev-mesh");
    assert.equal(r.context, "test-ctx");
    assert.equal(r.hasChanges, true);
    assert.deepEqual(r.summary, { create: 3 });
    assert.ok(r.changes.length > 0 && r.changes.every((c) => c.kind === "create"));
    assert.deepEqual(
      fx.commands().filter((c) => ["preview", "up", "stack rm"].includes(c)),
      ["preview", "stack rm"],
    );
  });

  it("apply without a question (--yes): one update, its summary, the plan's outputs", async () => {
    const { fx } = standIns;
    fx.behave({ changes: { create: 3 } });
    const { req, told } = await openedStack(dev, fx.env);
    const r = await apply(req, { skipPreview: true, noVerify: true });
    assert.equal(r.changed, true);
    assert.deepEqual(r.summary, { create: 3 });
    assert.equal(r.outputs.namespace, "istio-system");
    assert.deepEqual(told.questions, []);
    assert.deepEqual(
      fx.commands().filter((c) => ["preview", "up"].includes(c)),
      ["up"],
    );
  });

  it("apply answered no: a DeployError, and the engine never updates", async () => {
    const { fx } = standIns;
    fx.behave({ changes: { create: 3 } });
    const { req, told } = await openedStack(dev, fx.env, { answer: false });
    await assert.rejects(apply(req, { noVerify: true }), (err) => err instanceof DeployError);
    assert.equal(told.questions.length, 1);
    assert.match(told.questions[0] ?? "", /^Apply these changes to context "test-ctx"/);
    assert.ok(fx.commands().includes("preview") && !fx.commands().includes("up"), fx.commands().join(" "));
  });

  it("destroy of a stack that does not exist: nothing touched, existed false", async () => {
    const { fx } = standIns;
    const { req, told } = await openedStack(dev, fx.env);
    const r = await destroy(req);
    assert.equal(r.existed, false);
    assert.deepEqual(told.questions, []);
    assert.ok(!fx.commands().some((c) => ["destroy", "stack rm"].includes(c)), fx.commands().join(" "));
  });

  it("destroy of an applied stack: the engine destroys, then the stack goes", async () => {
    const { fx } = standIns;
    fx.seedStack("dev-mesh", recordedOutputs("1.30.3"));
    fx.behave({ changes: { delete: 3 } });
    const { req, told } = await openedStack(dev, fx.env);
    const r = await destroy(req);
    assert.equal(r.existed, true);
    assert.deepEqual(r.summary, { delete: 3 });
    assert.match(told.questions[0] ?? "", /^Destroy stack dev-mesh in context "test-ctx"\?/);
    assert.deepEqual(
      fx.commands().filter((c) => ["destroy", "stack rm"].includes(c)),
      ["destroy", "stack rm"],
    );
  });
});

describe("runStacks: a stack alone is a mesh of one", () => {
  it("no at the prompt: the question is asked once, nothing starts (the engine never updates)", async () => {
    const { fx } = standIns;
    fx.behave({ changes: { create: 3 } });
    const told: Told = { info: [], warn: [], questions: [], findings: [] };
    const questions: string[] = [];
    const outcomes = await runStacks(
      {
        stacks: [stackFile(dev)],
        target: {},
        env: fx.env,
        cwd: root,
        signal: new AbortController().signal,
        ioFor: recordingIo(told),
        confirm: async (q) => {
          questions.push(q);
          return false;
        },
      },
      { verb: "apply", options: { noVerify: true } },
    );
    assert.deepEqual(questions.length, 1);
    assert.match(questions[0] ?? "", /^Apply these changes/, "a stack alone is asked its own question");
    assert.equal(outcomes.length, 1);
    assert.ok(outcomes[0]?.ok === false && outcomes[0].error instanceof DeployError);
    assert.ok(!fx.commands().includes("up"), fx.commands().join(" "));
  });
});

describe("the precheck gate: a user who may not create webhooks (RBAC_MISSING)", () => {
  const denied = useStandIns({ deny: (a) => a.resource === "mutatingwebhookconfigurations" });

  it("apply stops at the gate with exit 4: no question, the engine never updates", async () => {
    const { fx } = denied;
    fx.behave({ changes: { create: 3 } });
    const { req, told } = await openedStack(dev, fx.env);
    await assert.rejects(
      apply(req, { noVerify: true }),
      (err) =>
        err instanceof UnhealthyError &&
        err.exitCode === ExitCode.unhealthy &&
        /RBAC_MISSING/.test(err.message),
    );
    assert.ok(
      told.findings.some((codes) => codes.includes("RBAC_MISSING")),
      JSON.stringify(told.findings),
    );
    assert.deepEqual(told.questions, []);
    assert.ok(!fx.commands().includes("up"), fx.commands().join(" "));
  });

  it("apply --yes stops at the gate too: its only engine run never starts", async () => {
    const { fx } = denied;
    fx.behave({ changes: { create: 3 } });
    const { req } = await openedStack(dev, fx.env);
    await assert.rejects(apply(req, { skipPreview: true, noVerify: true }), UnhealthyError);
    assert.ok(!fx.commands().includes("up"), fx.commands().join(" "));
  });

  it("apply --skip-check RBAC_MISSING: says it was waived, and applies", async () => {
    const { fx } = denied;
    fx.behave({ changes: { create: 3 } });
    const { req, told } = await openedStack(dev, fx.env);
    const r = await apply(req, { noVerify: true, waived: ["RBAC_MISSING"] });
    assert.equal(r.changed, true);
    assert.ok(
      told.info.some((l) => /^--skip-check RBAC_MISSING: waived \d+ findings?$/.test(l)),
      told.info.join("\n"),
    );
    assert.ok(fx.commands().includes("up"), fx.commands().join(" "));
  });

  it("preview lists the findings in its result and resolves (never fails on them)", async () => {
    const { fx } = denied;
    fx.behave({ changes: { create: 3 } });
    const { req, told } = await openedStack(dev, fx.env);
    const r = await preview(req);
    assert.ok(r.precheck.findings.some((f) => f.code === "RBAC_MISSING" && f.severity === "ERROR"));
    assert.ok(told.findings.some((codes) => codes.includes("RBAC_MISSING")));
    assert.ok(!fx.commands().includes("up"), fx.commands().join(" "));
  });
});
