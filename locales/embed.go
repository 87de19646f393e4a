// Package locales holds the resident-facing texts: one go-i18n message file
// per language (<code>.yaml), and languages.yaml, which lists the languages,
// marks the source (Dutch) and records whether a native speaker reviewed them.
package locales

import "embed"

// FS holds the message files and languages.yaml.
//
//go:embed *.yaml
var FS embed.FS
