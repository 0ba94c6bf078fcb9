import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { alive } from "../../../src/pulumi/locks.js";

describe("a lock's holder", () => {
  it("a killed process not yet reaped (a zombie) no longer holds its lock; a running one does", async (t) => {
    if (process.platform !== "linux") return t.skip("zombie state is read from /proc (Linux)");
    // the shell starts a short sleep in the background and becomes `sleep 5`, which never reaps
    // it; the child outlives the exec (a child that ended before it could be reaped by the shell)
    const parent = spawn("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 5"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once("data", (d) => resolve(Number(String(d).trim()))),
    );
    // until the child has exited and, unreaped, is a zombie (a loaded machine may take a while)
    const deadline = Date.now() + 4_000;
    const state = () => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    };
    while (state() !== "Z" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    try {
      // it still answers signal 0 (not reaped), which is what made a dead holder look alive
      assert.doesNotThrow(() => process.kill(pid, 0));
      assert.equal(alive(pid), false, `pid ${pid} is a zombie`);
      assert.equal(alive(parent.pid ?? 0), true, "the sleeping parent runs");
      assert.equal(alive(process.pid), true);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
