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
 * Whether the kubeconfig's user may do each thing. First one SelfSubjectRulesReview per namespace
 * asked about: a namespaced question a listed rule grants is allowed. Every other question,
 * cluster-scoped ones included (a namespace's rules may come from a Role, which grants nothing
 * cluster-wide), gets its own SelfSubjectAccessReview, the exact answer. A rules review may be
 * incomplete (another authorizer than RBAC), never too generous, so it only ever saves a review:
 * an admin's 165 reviews for a production-shaped plan become 3 rules reviews and 30 reviews.
 * Reviews are answered, never stored: they change nothing in the cluster.
 */
export async function reviewAccess(
  cluster: ResolvedCluster,
  questions: AccessQuestion[],
): Promise<AccessAnswer[]> {
  const namespaces = [...new Set(questions.flatMap((q) => q.namespace ?? []))];
  const rules = new Map(
    await Promise.all(namespaces.map(async (ns) => [ns, await rulesIn(cluster, ns)] as const)),
  );
  const answers: (AccessAnswer | undefined)[] = questions.map((q) =>
    q.namespace !== undefined && (rules.get(q.namespace) ?? []).some((r) => grants(r, q))
      ? { ...q, allowed: true }
      : undefined,
  );
  const open = answers.flatMap((a, i) => (a === undefined ? [i] : []));
  const exact = await reviewEach(
    cluster,
    open.map((i) => questions[i] as AccessQuestion),
  );
  open.forEach((i, k) => {
    answers[i] = exact[k];
  });
  return answers as AccessAnswer[];
}

/** The rules the user has in `namespace`; none when the review fails (each question is then asked alone). */
async function rulesIn(cluster: ResolvedCluster, namespace: string): Promise<k8s.V1ResourceRule[]> {
  const api = cluster.config.makeApiClient(k8s.AuthorizationV1Api);
  try {
    const review = await kubeCall(
      `reviewing the rights in namespace ${namespace}`,
      () =>
        api.createSelfSubjectRulesReview({
          body: {
            apiVersion: "authorization.k8s.io/v1",
            kind: "SelfSubjectRulesReview",
            spec: { namespace },
          },
        }),
      { context: cluster.context },
    );
    return review.status?.resourceRules ?? [];
  } catch {
    return [];
  }
}

/** Whether a rule grants the question, as RBAC matches it: any name, `*` for every verb, group or resource. */
export function grants(rule: k8s.V1ResourceRule, q: AccessQuestion): boolean {
  if ((rule.resourceNames ?? []).length > 0) return false;
  const has = (list: string[] | undefined, x: string) => (list ?? []).some((v) => v === "*" || v === x);
  const resource = q.subresource === undefined ? q.resource : `${q.resource}/${q.subresource}`;
  const resourceMatch =
    has(rule.resources, resource) ||
    (q.subresource !== undefined && (rule.resources ?? []).includes(`*/${q.subresource}`));
  return has(rule.verbs, q.verb) && has(rule.apiGroups, q.group) && resourceMatch;
}

/** One SelfSubjectAccessReview per question, a few in flight at once. */
async function reviewEach(cluster: ResolvedCluster, questions: AccessQuestion[]): Promise<AccessAnswer[]> {
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
