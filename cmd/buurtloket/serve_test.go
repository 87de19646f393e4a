package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneCollector: serve collects at GOGC=50 unless the operator chose.
func TestTuneCollector(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	for _, c := range []struct {
		gogc, limit string
		want        int
	}{{"", "", 50}, {"200", "", 100}, {"", "1GiB", 100}} {
		t.Setenv("GOGC", c.gogc)
		t.Setenv("GOMEMLIMIT", c.limit)
		debug.SetGCPercent(100)
		tuneCollector()
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: collector at %d, want %d", c.gogc, c.limit, got, c.want)
		}
	}
}
