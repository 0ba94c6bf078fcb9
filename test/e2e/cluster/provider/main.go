// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider from the Go module
// github.com/pulumi/pulumi-kubernetes/provider/v4.
//
// Upstream's own main package cannot be built from the module: it embeds two files that its
// `go generate` step writes and git ignores. scripts/e2e-build.sh therefore copies this
// package to a temporary folder, writes schema-embed.json (the module's schema.json with
// "version" set) and terraform-mapping-embed.json next to it, and builds there.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
