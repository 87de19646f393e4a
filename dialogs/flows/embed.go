// Package flows holds the shipped flow files, one YAML file per flow, and
// the canned replies staff send (replies/).
// docs/flows.md describes the format for content editors.
package flows

import "embed"

// FS holds the flow files.
//
//go:embed *.yaml replies/*.yaml
var FS embed.FS
