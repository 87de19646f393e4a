// Package staff holds the staff console's texts: Dutch (the source) and
// English, one go-i18n message file each, and languages.yaml. Staff read
// Dutch; residents' texts, in every shipped language, are in the folder
// above.
package staff

import "embed"

// FS holds the message files and languages.yaml.
//
//go:embed *.yaml
var FS embed.FS
