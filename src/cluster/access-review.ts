import * as k8s from "@kubernetes/client-node";
import { kubeCall } from "./api.js";
import type { ResolvedCluster } from "./kubeconfig.js";

/** One right an install needs: a verb on a kind, cluster-wide (no namespace) or in one namespace. */
export interface AccessQuestion {
  verb: string;
  /** API group, "" for the core group. */
  group: string;
  /** Plural resource name, for example `deployments`. */
  resource: string;
  /** A subresource, for example `eviction` of `pods`. */
  subresource?: string;
  namespace?: string;
}

/** The API server's answer for the kubeconfig's own user. */
export interface AccessAnswer extends AccessQuestion {
  allowed: boolean;
}

/** How many reviews are in flight at once: enough to hide latency, few enough not to be throttled. */
const concurrency = 16;

/**
 * Asks the API server, with one SelfSubjectAccessReview per question, whether the kubeconfig's
 * user may do each thing. Reviews are answered, never stored: they change nothing in the cluster.
 */
export async function reviewAccess(
  cluster: ResolvedCluster,
  questions: AccessQuestion[],
): Promise<AccessAnswer[]> {
  const api = cluster.config.makeApiClient(k8s.AuthorizationV1Api);
  const answers: AccessAnswer[] = new Array(questions.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < questions.length; i = next++) {
      const q = questions[i] as AccessQuestion;
      const review = await kubeCall(
        `reviewing the right to ${q.verb} ${q.resource}`,
        () =>
          api.createSelfSubjectAccessReview({
            body: {
              apiVersion: "authorization.k8s.io/v1",
              kind: "SelfSubjectAccessReview",
              spec: { resourceAttributes: { ...q } },
            },
          }),
        { context: cluster.context },
      );
      answers[i] = { ...q, allowed: review.status?.allowed === true };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, questions.length) }, worker));
  return answers;
}
