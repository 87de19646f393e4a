// Package speechtest gives tests a real Speaker (espeak-ng and lame), or
// skips them loudly outside CI when the programs are missing.
package speechtest

import (
	"os"
	"testing"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/speech"
)

// New returns a Speaker over cat with a cache of the test's own; sealer
// may be nil.
func New(t testing.TB, cat *dialogs.Catalog, sealer *buurtloket.Sealer, recordings string) *speech.Speaker {
	t.Helper()
	if sealer == nil {
		var err error
		if sealer, err = buurtloket.NewSealer(make([]byte, 32)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := speech.New(speech.Config{Recordings: recordings, Cache: t.TempDir(), Sealer: sealer}, cat)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("read-aloud is needed in CI: %v", err)
		}
		t.Skipf("\n\n*** SKIPPING read-aloud tests: %v\n", err)
	}
	return s
}
