// Package facts holds the shipped facts file: the names, phone numbers,
// links and hours of the organisations that deploy buurtloket in Schiedam.
// An operator replaces it with --facts (BUURTLOKET_FACTS); the dialogs
// package reads and checks it (see docs/flows.md, "Facts").
package facts

import "embed"

// FS holds the shipped facts file.
//
//go:embed *.yaml
var FS embed.FS

// Shipped is the name of the shipped file in FS.
const Shipped = "schiedam.yaml"
