// `planton status`: Istio's CRDs.

import type * as k8s from "@kubernetes/client-node";
import { type CheckFunction, combine, plural } from "./model.js";

/** The API server serves the CRD (its `Established` condition is true). */
export const established = (crd: k8s.V1CustomResourceDefinition) =>
  (crd.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");

/** Istio's CRDs present and Established. */
export const checkCrds: CheckFunction = (reads) => {
  const crds = reads.crds;
  if (crds.length === 0)
    return [
      combine("crds", "crds", "", [
        {
          state: "error",
          message: "no Istio CRDs are installed: no Istio configuration can be stored",
          hint: "`planton apply` installs them (Helm release istio-base)",
        },
      ]),
    ];
  const notEstablished = crds.filter((c) => !established(c)).map((c) => c.metadata?.name ?? "");
  if (notEstablished.length === 0)
    return [combine("crds", "crds", `${plural(crds.length, "Istio CRD")} established`, [])];
  return [
    {
      name: "crds",
      category: "crds",
      state: "error",
      message: `${notEstablished.length} of ${plural(crds.length, "Istio CRD")} not Established: the API server does not serve them`,
      hint: "`kubectl get crd NAME -o yaml` shows the conditions; `planton apply` reinstalls them (Helm release istio-base)",
      details: notEstablished.sort(),
    },
  ];
};
