package buurtloket

import (
	"os/exec"
	"strings"
	"testing"
)

// TestAdaptersDoNotImportEachOther keeps the layout honest: the domain
// imports no adapter, and no adapter imports another; only cmd/buurtloket
// wires them together.
func TestAdaptersDoNotImportEachOther(t *testing.T) {
	adapters := []string{"buurtloket/sqlite", "buurtloket/postgres", "buurtloket/kiosk", "buurtloket/delivery", "buurtloket/terminal", "buurtloket/wijken"}
	for _, pkg := range append([]string{"buurtloket", "buurtloket/dialogs"}, adapters...) {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, a := range adapters {
				if dep == a && dep != pkg {
					t.Errorf("%s imports %s", pkg, a)
				}
			}
		}
	}
}
