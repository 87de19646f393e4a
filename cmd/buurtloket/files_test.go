package main

import (
	"strings"
	"syscall"
	"testing"
)

func TestPhonePageCapLeavesFilesForKiosks(t *testing.T) {
	for _, tt := range []struct {
		maxPages int
		files    uint64
		want     int
		warn     bool
	}{
		{20000, 1500, 1500 - fileReserve, true},
		{20000, 1 << 20, 20000, false},
		{0, 1500, 1500 - fileReserve, false},
		{500, 1500, 500, false},
		{100, 100, 1, true},
	} {
		got, why := phonePageCap(tt.maxPages, tt.files)
		if got != tt.want || (why != "") != tt.warn {
			t.Errorf("phonePageCap(%d, %d) = %d, %q; want %d, warning %v", tt.maxPages, tt.files, got, why, tt.want, tt.warn)
		}
		if tt.warn && !strings.Contains(why, "LimitNOFILE") {
			t.Errorf("the warning does not say what to do: %q", why)
		}
	}
}

func TestFileLimitIsRaised(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	if lim.Max < 1000 {
		t.Fatalf("the hard limit here is only %d", lim.Max)
	}
	low := syscall.Rlimit{Cur: 900, Max: lim.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	got, err := raiseFileLimit()
	if err != nil || got != lim.Max {
		t.Fatalf("raised to %d (%v); want the hard limit %d", got, err, lim.Max)
	}
}
