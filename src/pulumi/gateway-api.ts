import * as k8s from "@pulumi/kubernetes";

/**
 * The Gateway API CRDs the deploy layer lets planton write (absent ones, or planton's own), one
 * resource each, server-side applied like every resource of the provider (the experimental
 * CRDs are too large for a client-side apply's annotation). They outlive the stack's destroy
 * (`retainOnDelete`: deleting a CRD deletes every Gateway and route); `destroy --purge-crds`
 * removes planton's own afterwards. Returned so that istiod, which reads them when it starts,
 * is installed after them.
 */
export function drawGatewayApiCrds(
  crds: Record<string, unknown>[],
  provider: k8s.Provider,
): k8s.apiextensions.v1.CustomResourceDefinition[] {
  return crds.map((crd) => {
    const name = (crd.metadata as { name: string }).name;
    return new k8s.apiextensions.v1.CustomResourceDefinition(
      `gateway-api-${name}`,
      crd as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs,
      { provider, retainOnDelete: true },
    );
  });
}
