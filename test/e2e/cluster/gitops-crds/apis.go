//go:build tools

// Package apis pins the Flux API modules whose types scripts/gitops-crds.sh turns into CRDs.
package apis

import (
	_ "github.com/fluxcd/helm-controller/api/v2"
	_ "github.com/fluxcd/kustomize-controller/api/v1"
	_ "github.com/fluxcd/source-controller/api/v1"
)
