import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { valuesToYaml } from "../../../src/output/plan.js";

/** Strings a YAML 1.1 reader (Helm) takes for booleans, nulls, numbers or timestamps when plain. */
const lookAlikes = [
  "yes",
  "Yes",
  "YES",
  "no",
  "No",
  "NO",
  "on",
  "On",
  "ON",
  "off",
  "Off",
  "OFF",
  "y",
  "Y",
  "n",
  "N",
  "true",
  "False",
  "~",
  "null",
  "Null",
  "NULL",
  "1_000",
  "0x1F",
  "0b101",
  "0o17",
  "0755",
  "089",
  "1e3",
  "+12",
  "-.5",
  ".inf",
  "-.Inf",
  ".NaN",
  "1:20",
  "190:20:30.15",
  "2001-12-14",
  "2001-12-14t21:59:43.10-05:00",
  "<<",
  "=",
];

const read11 = (text: string) => parse(text, { version: "1.1" });

describe("values files read the same in YAML 1.1 (Helm) as planton wrote them", () => {
  it("strings that look like 1.1 booleans, nulls, numbers and timestamps stay strings, as values and as keys", () => {
    const values = {
      annotations: Object.fromEntries(lookAlikes.map((s, i) => [`k${i}`, s])),
      list: lookAlikes,
      keys: Object.fromEntries(lookAlikes.map((s) => [s, s])),
    };
    const text = valuesToYaml(values);
    assert.deepEqual(read11(text), values, text);
    assert.deepEqual(parse(text), values, "YAML 1.2 reads it the same");
  });

  it("real booleans, numbers and ordinary strings keep their plain form", () => {
    const text = valuesToYaml({
      enabled: true,
      replicas: 3,
      cpu: "10m",
      version: "1.30.3",
      hub: "docker.io/istio",
    });
    assert.equal(text, "enabled: true\nreplicas: 3\ncpu: 10m\nversion: 1.30.3\nhub: docker.io/istio\n");
  });

  it("any short string of number-, boolean- and date-like characters survives a YAML 1.1 reader", () => {
    const chars = [..."0123456789_:.-+eEoObBxXyYnNaAfFsSlLuU~<=tT "];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 10 }).map((a) => a.join("")),
        (s) => {
          const v = { [s]: s };
          assert.deepEqual(read11(valuesToYaml(v)), v);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
