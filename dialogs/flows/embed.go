// Package flows holds the shipped flow files, one YAML file per flow.
// docs/flows.md describes the format for content editors.
package flows

import "embed"

// FS holds the flow files.
//
//go:embed *.yaml
var FS embed.FS
