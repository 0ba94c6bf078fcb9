/** The engine's events as timing spans: per resource, the engine's start and its end. */
import assert from "node:assert/strict";
import { setTimeout as pause } from "node:timers/promises";
import { it } from "node:test";
import { engineSpans, takeSpans } from "../../src/timings.js";

const meta = (name: string, op: string, type = "kubernetes:helm.sh/v3:Release") => ({
  metadata: { urn: `urn:pulumi:s::p::${type}::${name}`, op, type },
});

it("engine events become the engine's start, one span per changed resource and the engine's end", async () => {
  takeSpans();
  const spans = engineSpans();
  await pause(30);
  spans.onEvent({ resourcePreEvent: meta("s", "create", "pulumi:pulumi:Stack") });
  spans.onEvent({ resourcePreEvent: meta("istiod", "create") });
  spans.onEvent({ resourcePreEvent: meta("istio-base", "same") });
  await pause(20);
  spans.onEvent({ resOutputsEvent: meta("istiod", "create") });
  spans.onEvent({ resOutputsEvent: meta("istio-base", "same") });
  await pause(40);
  spans.finish();
  const got = takeSpans();
  assert.deepEqual(Object.keys(got), ["engine start", "create istiod", "engine end"]);
  assert.ok((got["engine start"] ?? 0) >= 25, JSON.stringify(got));
  assert.ok((got["create istiod"] ?? 0) >= 15, JSON.stringify(got));
  assert.ok((got["engine end"] ?? 0) >= 35, JSON.stringify(got));
});
