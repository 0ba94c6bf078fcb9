import type { InstallPlan } from "../istio/types.js";

/** Where a GitOps tool deploys one cluster's plan: an Argo CD cluster, or Flux's kubeconfig Secret. */
export type Destination = { kind: "server"; server: string } | { kind: "name"; name: string };

/** One cluster of the mesh: its plan, the manifest it came from, and where it goes. */
export interface GitopsCluster {
  plan: InstallPlan;
  /** The manifest file as the user named it, for the header. */
  file: string;
  /** The folder under the output directory ("" for a single manifest). */
  folder: string;
  destination?: Destination;
  /**
   * The Gateway API CRDs the plan installs (`plan.gatewayApi`), read from planton's shipped
   * bundle by the caller (I/O); absent when the plan installs none.
   */
  gatewayApiCrds?: Record<string, unknown>[];
}

export interface GitopsOptions {
  format: "argocd" | "flux";
  /** The Git repository the tool reads the output directory from. */
  repoUrl?: string;
  /** The output directory's path inside that repository. */
  path: string;
  /** Argo CD project. */
  project: string;
}

/** A file to write: its path under the output directory, a header comment, and its objects. */
export interface GitopsFile {
  path: string;
  header: string[];
  docs: Record<string, unknown>[];
}

/** The label every exported object carries, so `kubectl get -l` finds them. */
export const managedBy = { "app.kubernetes.io/managed-by": "planton" };
