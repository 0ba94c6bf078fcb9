/**
 * End to end: traffic through the mesh planton installs (issue 28, level 3). Pods need addresses
 * the API server accepts as endpoints (not loopback) that host processes can bind and dial, so the
 * suite proper (traffic-calls.netns.ts) runs inside a new network namespace whose `lo` carries the
 * harness's pod range (cluster/netns.mjs); nothing in it reaches any other address, and the
 * namespace ends with the suite. Needs root; without it the suite is skipped, saying why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
// @ts-expect-error: plain JavaScript harness
import { netnsUnavailable, runInNetns } from "./cluster/netns.mjs";

const why = netnsUnavailable();
const repo = join(import.meta.dirname, "..", "..");

// Binds a pod address, dials it from another, and tries an address outside the range: prints one
// JSON line.
const PROBE = `
const net = require("node:net");
const srv = net.createServer((c) => c.end("pong")).listen(0, "10.244.5.9", () => {
  const { port } = srv.address();
  const c = net.connect({ port, host: "10.244.5.9", localAddress: "10.244.7.3" });
  srv.on("connection", (s) => { srv.peer = s.remoteAddress; });
  c.on("data", (d) => {
    const out = net.connect(port, "192.0.2.1");
    const say = (outside) => console.log(JSON.stringify({ reply: String(d), peer: srv.peer, outside }));
    out.on("error", (e) => { say(e.code); srv.close(); });
    out.on("connect", () => { say("connected"); process.exit(1); });
  });
  c.on("error", (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(1); });
});`;

describe("traffic: proxyless gRPC workloads in a network namespace of the suite's own", {
  skip: why || false,
  concurrency: false,
}, () => {
  it("in the namespace every pod address is local and nothing else is reachable", async () => {
    const r = await runInNetns(process.execPath, ["-e", PROBE]);
    assert.equal(r.code, 0, r.output);
    // a process bound 10.244.5.9, another dialled it from 10.244.7.3: the whole range is local
    assert.deepEqual(JSON.parse(r.output.trim()), {
      reply: "pong",
      peer: "10.244.7.3",
      outside: "ENETUNREACH",
    });
  });

  it("the suite: calls within the mesh, STRICT mTLS, an AuthorizationPolicy, across clusters", async () => {
    const inner = join(repo, "test", "e2e", "traffic-calls.netns.ts");
    const args = ["--import", "tsx", "--test", "--test-reporter=spec", inner];
    // a test runner of its own (NODE_TEST_CONTEXT would make it a silent child of this one)
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const env = { ...outer, PLANTON_E2E_NETNS: "1" };
    const r = await runInNetns(process.execPath, args, {
      env,
      cwd: repo,
      onOutput: (chunk: string) => process.stdout.write(chunk),
    });
    assert.equal(r.code, 0, "the suite inside the namespace failed (its output is above)");
    assert.match(r.output, /ℹ fail 0/);
    assert.doesNotMatch(r.output, /ℹ (pass|tests) 0\b/);
  });
});
