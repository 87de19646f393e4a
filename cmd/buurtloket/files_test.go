package main

import (
	"io"
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

// TestFileLimitIsTheHardOne: Go raises the soft limit on open files to the
// hard one at start; fileLimit reads what is in force.
func TestFileLimitIsTheHardOne(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	got, err := fileLimit()
	if err != nil || got != lim.Cur || lim.Cur != lim.Max {
		t.Fatalf("fileLimit %d (%v); the soft limit %d, the hard %d", got, err, lim.Cur, lim.Max)
	}
}

// TestTrustProxySwitch: --trust-proxy is a switch, and its environment
// variable must say true or false.
func TestTrustProxySwitch(t *testing.T) {
	for _, tt := range []struct {
		env  string
		args []string
		want bool
		err  bool
	}{
		{"", []string{"--trust-proxy"}, true, false},
		{"", nil, false, false},
		{"true", nil, true, false},
		{"1", []string{"--trust-proxy=false"}, false, false},
		{"maybe", nil, false, true},
	} {
		if tt.env != "" {
			t.Setenv("BUURTLOKET_TRUST_PROXY", tt.env)
		}
		fs := newFlagSet("test", io.Discard)
		var got bool
		err := boolFlag(fs, &got, "trust-proxy", false, "")
		if err == nil {
			err = fs.Parse(tt.args)
		}
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("env %q args %v: %v, %v; want %v (error %v)", tt.env, tt.args, got, err, tt.want, tt.err)
		}
	}
}

func TestParseNetworks(t *testing.T) {
	got, err := parseNetworks(" 192.0.2.7/24, 2001:db8::/48 ,")
	if err != nil || len(got) != 2 || got[0].String() != "192.0.2.0/24" || got[1].String() != "2001:db8::/48" {
		t.Fatalf("%v %v", got, err)
	}
	if got, err := parseNetworks(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
}
