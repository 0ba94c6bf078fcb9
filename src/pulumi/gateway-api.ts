import * as k8s from "@pulumi/kubernetes";

/**
 * The Gateway API CRDs the deploy layer lets planton write (absent ones, or planton's own), one
 * resource each: created by server-side apply like every resource of the provider, upgraded by
 * the provider's replace of a CRD (a PUT at the live resourceVersion). Neither writes a
 * client-side apply's last-applied annotation, which the experimental CRDs (HTTPRoute: 530 kB)
 * would not fit. They outlive the stack's destroy
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
