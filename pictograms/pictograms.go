// Package pictograms holds the SVG pictograms shown with every choice: one
// file per pictogram, named as flow files name them. They draw with
// currentColor, so a page decides their colour.
package pictograms

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

// FS holds the SVG files.
//
//go:embed *.svg
var FS embed.FS

// Names lists the pictogram names (file names without .svg), sorted.
func Names() []string {
	entries, _ := fs.ReadDir(FS, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".svg"))
	}
	sort.Strings(names)
	return names
}
