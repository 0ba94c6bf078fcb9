import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InstallPlan } from "../istio/types.js";
import { readCaFileBytes } from "../manifest/ca-read.js";

/**
 * The plug-in CA's `cacerts` Secret, when planton creates it: its four keys read from the files
 * the plan names (the plan holds paths, never the key), the data a Pulumi secret so the state
 * holds it only encrypted. Every istiod release depends on it (istiod reads `cacerts` at
 * start-up), and destroy removes it after them. Undefined when the plan has no Secret to create.
 */
export function drawCaSecret(
  plan: InstallPlan,
  provider: k8s.Provider,
  namespaces: Map<string, pulumi.Resource>,
): k8s.core.v1.Secret | undefined {
  const s = plan.ca?.secret;
  if (s === undefined || !s.create) return undefined;
  const data: Record<string, string> = {};
  for (const [key, path] of Object.entries(s.files)) data[key] = readCaFileBytes(path).toString("base64");
  const ns = namespaces.get(s.namespace);
  return new k8s.core.v1.Secret(
    `ca-${s.name}`,
    {
      metadata: {
        name: s.name,
        namespace: s.namespace,
        labels: { "app.kubernetes.io/managed-by": "planton" },
      },
      type: "Opaque",
      data: pulumi.secret(data),
    },
    { provider, dependsOn: ns ? [ns] : [], additionalSecretOutputs: ["data", "stringData"] },
  );
}
