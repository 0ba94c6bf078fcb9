import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeployError, ManifestError } from "../../../src/errors.js";
import { firstFailure, MeshRun, NotStartedError } from "../../../src/deploy/mesh-run.js";

const tick = () => new Promise((r) => setTimeout(r, 5));
const labels = ["stack a", "stack b", "stack c"];

describe("MeshRun: several stacks of one mesh", () => {
  it("asks once, after every member asked or finished, with every member's question", async () => {
    const asked: string[][] = [];
    const run = new MeshRun([0, 0, 0], labels, "forward", async (q) => {
      asked.push(q);
      return true;
    });
    const log: string[] = [];
    await Promise.all([
      run.run(0, { label: "stack a" }, async () => {
        assert.equal(await run.confirm(0, "apply a?"), true);
        log.push("a");
      }),
      run.run(1, { label: "stack b" }, async () => {
        await tick();
        log.push("b finished without asking");
      }),
      run.run(2, { label: "stack c" }, async () => {
        await tick();
        await tick();
        assert.equal(await run.confirm(2, "apply c?"), true);
        log.push("c");
      }),
    ]);
    assert.deepEqual(asked, [["stack a: apply a?", "stack c: apply c?"]]);
    assert.deepEqual(log, ["b finished without asking", "a", "c"]);
  });

  it("apply --yes (ready, no question): a remote's gate failing stops the primary before it changes anything, and nobody is asked", async () => {
    const asked: string[][] = [];
    const run = new MeshRun([0, 1], labels.slice(0, 2), "forward", async (q) => {
      asked.push(q);
      return true;
    });
    let primaryChanged = false;
    const [primary, remote] = await Promise.all([
      run.run(0, { label: "stack a" }, async () => {
        await run.ready(0);
        primaryChanged = true;
      }),
      run.run(1, { label: "stack b" }, async () => {
        await tick();
        throw new DeployError("the gate stopped stack b");
      }),
    ]);
    assert.equal(primaryChanged, false);
    assert.ok(primary?.ok === false && primary.error instanceof NotStartedError);
    assert.ok(remote?.ok === false && !(remote.error instanceof NotStartedError));
    assert.deepEqual(asked, []);
  });

  it("a later wave changes its cluster only after the earlier wave finished (forward), and the reverse for destroy", async () => {
    for (const order of ["forward", "reverse"] as const) {
      const run = new MeshRun([0, 1], labels.slice(0, 2), order, async () => true);
      const log: string[] = [];
      const body = (i: number, name: string) =>
        run.run(i, { label: name }, async () => {
          await run.confirm(i, "?");
          log.push(`${name} start`);
          await tick();
          log.push(`${name} end`);
        });
      await Promise.all([body(0, "primary"), body(1, "remote")]);
      assert.deepEqual(
        log,
        order === "forward"
          ? ["primary start", "primary end", "remote start", "remote end"]
          : ["remote start", "remote end", "primary start", "primary end"],
      );
    }
  });

  it("a remote's step before any change (its annotated namespace) runs before its primary changes anything, asked or --yes", async () => {
    for (const yes of [false, true]) {
      const run = new MeshRun([0, 1], labels.slice(0, 2), "forward", async () => true);
      const log: string[] = [];
      const turn = (i: number) => (yes ? run.ready(i) : run.confirm(i, "?"));
      await Promise.all([
        run.run(0, { label: "primary" }, async () => {
          await turn(0);
          log.push("primary's remote secret");
        }),
        run.run(1, { label: "remote" }, async () => {
          await tick();
          run.beforeAnyChange(1, async () => {
            await tick();
            log.push("remote's annotated namespace");
          });
          await turn(1);
          log.push("remote's releases");
        }),
      ]);
      assert.deepEqual(log, ["remote's annotated namespace", "primary's remote secret", "remote's releases"]);
    }
  });

  it("a failed step before any change stops the primary too; a stack alone runs none (its own change comes first)", async () => {
    const run = new MeshRun([0, 1], labels.slice(0, 2), "forward", async () => true);
    let primaryChanged = false;
    const [primary, remote] = await Promise.all([
      run.run(0, { label: "stack a" }, async () => {
        await run.confirm(0, "?");
        primaryChanged = true;
      }),
      run.run(1, { label: "stack b" }, async () => {
        run.beforeAnyChange(1, async () => {
          throw new DeployError("namespace refused");
        });
        await run.confirm(1, "?");
      }),
    ]);
    assert.equal(primaryChanged, false);
    assert.ok(primary?.ok === false && primary.error instanceof NotStartedError);
    assert.ok(remote?.ok === false && remote.error instanceof DeployError);
    assert.equal(remote.error.message, "namespace refused");
    const alone = new MeshRun([0], ["stack a"], "forward", async () => true);
    let ran = false;
    alone.beforeAnyChange(0, async () => {
      ran = true;
    });
    assert.equal(await alone.confirm(0, "?"), true);
    assert.equal(ran, false);
  });

  it("a member whose earlier wave failed does not start, and the exit names the real failure first", async () => {
    const run = new MeshRun([0, 1], labels.slice(0, 2), "forward", async () => true);
    let remoteStarted = false;
    const outcomes = await Promise.all([
      run.run(0, { label: "stack primary" }, async () => {
        await run.gate(0);
        throw new DeployError("helm failed");
      }),
      run.run(1, { label: "stack remote" }, async () => {
        await run.gate(1);
        remoteStarted = true;
      }),
    ]);
    assert.equal(remoteStarted, false);
    assert.ok(outcomes[1]?.ok === false && outcomes[1].error instanceof NotStartedError);
    const err = firstFailure(outcomes);
    assert.ok(err instanceof DeployError);
    assert.equal(err.message, "stack primary: helm failed (also not done: stack remote)");
  });

  it("no at the prompt: every member is told no; nothing starts", async () => {
    // the engine-level proof (the stand-in pulumi records no update) is in verbs.test.ts and
    // mesh-set.test.ts; here: the one answer reaches every member, whatever its wave
    let asks = 0;
    const run = new MeshRun([0, 1], labels.slice(0, 2), "forward", async () => {
      asks++;
      return false;
    });
    const answers = await Promise.all([run.confirm(0, "?"), run.confirm(1, "?")]);
    assert.deepEqual(answers, [false, false]);
    assert.equal(asks, 1);
  });

  it("a stack alone is asked its own question and fails with its own error", async () => {
    const asked: string[][] = [];
    const run = new MeshRun([0], ["stack a"], "forward", async (q) => {
      asked.push(q);
      return true;
    });
    const outcome = await run.run(0, { label: "stack a" }, async () => {
      await run.confirm(0, "apply a?");
      throw new DeployError("helm failed");
    });
    assert.deepEqual(asked, [["apply a?"]]);
    assert.equal(firstFailure([outcome])?.message, "helm failed");
  });

  it("a member failing before the question: the others are not asked and do not change anything", async () => {
    let asked = false;
    const run = new MeshRun([0, 0], labels.slice(0, 2), "forward", async () => {
      asked = true;
      return true;
    });
    const outcomes = await Promise.all([
      run.run(0, { label: "stack a" }, async () => {
        throw new ManifestError("bad");
      }),
      run.run(1, { label: "stack b" }, async () => {
        await tick();
        return run.confirm(1, "?");
      }),
    ]);
    assert.equal(asked, false);
    assert.ok(outcomes[1]?.ok === false && outcomes[1].error instanceof NotStartedError);
    assert.equal(firstFailure(outcomes)?.message, "stack a: bad (also not done: stack b)");
  });
});
