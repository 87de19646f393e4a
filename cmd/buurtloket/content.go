package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"buurtloket/dialogs"
	"buurtloket/internal/shipped"
	stafftexts "buurtloket/locales/staff"
)

// contentSource says where flows and texts come from, and describes it in
// words for logs and check output. With no flows folder, the embedded
// (shipped) flows; with one, its files. Texts come from the locales folder
// when given; else from a locales folder found in, beside or above the
// flows folder (as in this repository: dialogs/flows and locales); else the
// embedded texts.
// The facts (names, phone numbers, links, hours) come from factsFile when
// given, else the shipped Schiedam file.
func contentSource(flowsDir, localesDir, factsFile string) (dialogs.Source, string, error) {
	src := shipped.Source()
	factsWhat := "the shipped facts"
	if factsFile != "" {
		info, err := os.Stat(factsFile)
		if err != nil {
			return src, "", fmt.Errorf("cannot open %s: %w", factsFile, fs.ErrNotExist)
		}
		if info.IsDir() {
			return src, "", fmt.Errorf("%s is a folder, not a facts file", factsFile)
		}
		dir, name := filepath.Split(filepath.Clean(factsFile))
		if dir == "" {
			dir = "."
		}
		src.Facts, src.FactsFile, src.FactsDir = os.DirFS(dir), name, filepath.ToSlash(filepath.Clean(dir))
		factsWhat = "facts in " + filepath.ToSlash(filepath.Clean(factsFile))
	}
	flowsWhat, textsWhat := "the shipped flows", "the shipped texts"
	if flowsDir != "" {
		if err := isDir(flowsDir); err != nil {
			return src, "", err
		}
		src.Flows, src.FlowsDir = os.DirFS(flowsDir), filepath.ToSlash(filepath.Clean(flowsDir))
		flowsWhat = "flows in " + src.FlowsDir
		if localesDir == "" {
			for _, candidate := range []string{
				filepath.Join(flowsDir, "locales"),
				filepath.Join(flowsDir, "..", "locales"),
				filepath.Join(flowsDir, "..", "..", "locales"),
			} {
				if _, err := os.Stat(filepath.Join(candidate, "languages.yaml")); err == nil {
					localesDir = candidate
					break
				}
			}
		}
	}
	if localesDir != "" {
		if err := isDir(localesDir); err != nil {
			return src, "", err
		}
		src.Locales, src.LocalesDir = os.DirFS(localesDir), filepath.ToSlash(filepath.Clean(localesDir))
		textsWhat = "texts in " + src.LocalesDir
	}
	return src, flowsWhat + " with " + textsWhat + " and " + factsWhat, nil
}

func isDir(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, fs.ErrNotExist)
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder", path)
	}
	return nil
}

// staffTexts loads the staff console's texts: from a staff folder in the
// locales folder given (an editor's copy), else the shipped ones.
func staffTexts(src dialogs.Source) (*dialogs.Catalog, dialogs.Problems) {
	if sub, err := fs.Sub(src.Locales, "staff"); err == nil {
		if _, err := fs.Stat(sub, "languages.yaml"); err == nil {
			return dialogs.LoadCatalog(sub, src.LocalesDir+"/staff")
		}
	}
	return dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
}
