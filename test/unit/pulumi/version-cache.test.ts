import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { locatePulumiCommand } from "../../../src/pulumi/install.js";
import { fakePulumiBin } from "../../helpers/engine-fixture.js";

describe("the Pulumi CLI's version is asked once per binary", () => {
  it("a second command reuses it; a replaced binary is asked again", async () => {
    const work = mkdtempSync(join(tmpdir(), "planton-version-"));
    const bin = join(work, "pulumi", "bin");
    const fake = join(work, "fake");
    mkdirSync(bin, { recursive: true });
    mkdirSync(fake);
    copyFileSync(join(fakePulumiBin, "pulumi"), join(bin, "pulumi"));
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      PLANTON_HOME: join(work, "home"),
      FAKE_PULUMI_DIR: fake,
    };
    process.env.FAKE_PULUMI_DIR = fake;
    const versionCalls = () =>
      readFileSync(join(fake, "calls.jsonl"), "utf8")
        .trim()
        .split("\n")
        .filter((l) => JSON.parse(l).args[0] === "version").length;
    const first = await locatePulumiCommand(env, () => {});
    const second = await locatePulumiCommand(env, () => {});
    assert.equal(versionCalls(), 1);
    assert.equal(second.command, first.command);
    assert.equal(second.version?.format(), "3.200.0");
    assert.equal(second.command, join(bin, "pulumi"));
    const later = new Date(Date.now() + 5000);
    utimesSync(join(bin, "pulumi"), later, later);
    await locatePulumiCommand(env, () => {});
    assert.equal(versionCalls(), 2);
  });
});
