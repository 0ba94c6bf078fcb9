import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeployError, UsageError } from "../../../src/errors.js";
import { mapEngineError } from "../../../src/pulumi/errors.js";
import { resolveEngineSettings } from "../../../src/pulumi/settings.js";

const settings = resolveEngineSettings(
  {
    backend: "s3://team-state?endpoint=http://127.0.0.1:9&s3ForcePathStyle=true&region=us-east-1",
    manifestName: "dev",
  },
  { PULUMI_CONFIG_PASSPHRASE: "p-123456789" },
);
/** The engine's words as the AWS SDK v2 under gocloud.dev word them (the request id varies). */
const s3Error = (tail: string) =>
  new Error(
    `error: failed to load checkpoint: blob (key ".pulumi/stacks/planton-kubernetes-istio/dev.json") (code=Unknown): operation error S3: GetObject, ${tail}`,
  );

describe("a bucket backend's failures", () => {
  it("a missing bucket is input: exit 2, naming the bucket", () => {
    const e = mapEngineError(
      s3Error(
        "https response error StatusCode: 404, RequestID: 1, api error NoSuchBucket: The specified bucket does not exist",
      ),
      settings,
    );
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.message, "the state bucket s3://team-state does not exist; nothing was changed");
  });

  it("refused credentials are input: exit 2", () => {
    const e = mapEngineError(
      s3Error(
        "https response error StatusCode: 403, RequestID: 1, api error SignatureDoesNotMatch: The request signature we calculated does not match",
      ),
      settings,
    );
    assert.ok(e instanceof UsageError && /refused these credentials/.test(e.message), String(e));
  });

  it("an endpoint that does not answer could not be reached: exit 1, naming the endpoint", () => {
    const e = mapEngineError(
      s3Error(
        'exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Get "http://127.0.0.1:9/team-state": dial tcp 127.0.0.1:9: connect: connection refused',
      ),
      settings,
    );
    assert.ok(e instanceof DeployError && e.exitCode === 1, String(e));
    assert.match(e.message, /could not be reached \(http:\/\/127\.0\.0\.1:9\)/);
  });

  it("the cluster's own network error is not called the bucket's", () => {
    const e = mapEngineError(
      new Error(
        "error: kubernetes:helm.sh/v3:Release istiod: dial tcp 127.0.0.1:6443: connect: connection refused",
      ),
      settings,
    );
    assert.doesNotMatch(e.message, /state backend|state bucket/);
  });
});
