import { header } from "../../helpers/load.js";
import type { RuleCase } from "./rules.testdata.js";

const ambient = (namespaces: string) => `${header}spec:\n  profile: ambient\n  namespaces:\n${namespaces}`;

/** The rules of `spec.namespaces[].waypoint`, one manifest each (see rules.testdata.ts). */
export const waypointRuleCases: RuleCase[] = [
  {
    name: "a waypoint needs the ambient profile",
    yaml: `${header}spec:\n  namespaces:\n    - name: shop\n      ⟦waypoint: {}\n`,
    code: "waypoint.ambient_profile",
    path: "spec.namespaces[0].waypoint",
  },
  {
    name: "a waypoint only in an AMBIENT namespace",
    yaml: ambient("    - name: shop\n      ⟦waypoint: {}\n"),
    code: "waypoint.ambient_namespace",
    path: "spec.namespaces[0].waypoint",
  },
  {
    name: "waypoint.for is SERVICE, WORKLOAD, ALL or NONE",
    yaml: ambient("    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦for: service\n"),
    code: "string.in",
    path: "spec.namespaces[0].waypoint.for",
  },
  {
    name: "a waypoint is not named none",
    yaml: ambient("    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦name: none\n"),
    code: "string.not_in",
    path: "spec.namespaces[0].waypoint.name",
  },
  {
    name: "a waypoint's revision is a declared revision or tag",
    yaml: ambient("    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦revision: 1-30-3\n"),
    code: "waypoint.unknown_revision",
    path: "spec.namespaces[0].waypoint.revision",
  },
  {
    name: "a reference names a namespace whose waypoint the manifest creates",
    yaml: ambient("    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦namespace: infra\n"),
    code: "waypoint.unknown_reference",
    path: "spec.namespaces[0].waypoint.namespace",
  },
  {
    name: "a reference names that waypoint by its name",
    yaml: ambient(
      "    - name: infra\n      injection: AMBIENT\n      waypoint: {name: infra-waypoint}\n    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦namespace: infra\n",
    ),
    code: "waypoint.unknown_reference",
    path: "spec.namespaces[1].waypoint.namespace",
  },
  {
    name: "a reference is to another namespace",
    yaml: ambient("    - name: shop\n      injection: AMBIENT\n      waypoint:\n        ⟦namespace: shop\n"),
    code: "waypoint.self_reference",
    path: "spec.namespaces[0].waypoint.namespace",
  },
  {
    name: "a reference takes no for (the waypoint it names has its own)",
    yaml: ambient(
      "    - name: infra\n      injection: AMBIENT\n      waypoint: {}\n    - name: shop\n      injection: AMBIENT\n      waypoint:\n        namespace: infra\n        ⟦for: ALL\n",
    ),
    code: "waypoint.reference_settings",
    path: "spec.namespaces[1].waypoint.for",
  },
  {
    name: "waypoint labels are not also written by hand",
    yaml: ambient(
      "    - name: shop\n      injection: AMBIENT\n      waypoint: {}\n      labels:\n        ⟦istio.io/use-waypoint: other\n",
    ),
    code: "waypoint.label_conflict",
    path: "spec.namespaces[0].labels.istio.io/use-waypoint",
  },
];
