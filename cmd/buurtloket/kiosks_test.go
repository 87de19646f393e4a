package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"buurtloket"
)

var pairingLink = regexp.MustCompile(`(\S+)/kiosk/pair\?token=([A-Za-z0-9_-]+)`)

// TestKioskLinks: kiosk add and kiosk link print a pairing link that works
// once, a new link replaces the one before, and a link that only works on
// this machine comes with a loud warning.
func TestKioskLinks(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	kiosk := func(args ...string) (int, string, string) {
		t.Helper()
		return runCmd(t, "", append(append([]string{"kiosk"}, args...), db...)...)
	}
	link := func(out string) (base, token string) {
		t.Helper()
		m := pairingLink.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no pairing link in %q", out)
		}
		return m[1], m[2]
	}
	pairs := func(token string) error {
		t.Helper()
		sealer, _, err := sealerFrom("", filepath.Join(dir, "b.key"))
		if err != nil {
			t.Fatal(err)
		}
		store, _, err := openStore(context.Background(), filepath.Join(dir, "b.db"), sealer)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		_, _, err = store.PairKiosk(context.Background(), token)
		return err
	}

	// No public address: the link points at this machine, and says so.
	code, out, stderr := kiosk("add", "--name", "Buurthuis De Erker", "--wijk", "Oost")
	base, first := link(out)
	if code != 0 || base != "http://localhost:8080" || !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "only works in a browser on this machine") {
		t.Fatalf("add without --public-url: exit %d %q %q", code, out, stderr)
	}
	if !strings.Contains(out, "works once") {
		t.Errorf("the link does not say it works once: %q", out)
	}
	// A new link replaces it, with kiosk link and with kiosk add ID.
	code, out, stderr = kiosk("link", "1", "--public-url", "https://buurtloket.example.nl/")
	base, second := link(out)
	if code != 0 || base != "https://buurtloket.example.nl" || stderr != "" || second == first {
		t.Fatalf("link: exit %d %q %q", code, out, stderr)
	}
	t.Setenv("BUURTLOKET_PUBLIC_URL", "https://loket.schiedam.example")
	code, out, stderr = kiosk("add", "1")
	base, third := link(out)
	if code != 0 || base != "https://loket.schiedam.example" || stderr != "" {
		t.Fatalf("add ID: exit %d %q %q", code, out, stderr)
	}
	for _, spent := range []string{first, second} {
		if err := pairs(spent); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			t.Fatalf("a replaced link pairs: %v", err)
		}
	}
	if code, out, _ := kiosk("list"); code != 0 || !strings.Contains(out, "not used yet") {
		t.Fatalf("list with the link open: %q", out)
	}
	if err := pairs(third); err != nil {
		t.Fatalf("the newest link: %v", err)
	}
	if err := pairs(third); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a link used twice: %v", err)
	}
	if code, out, _ := kiosk("list"); code != 0 || strings.Contains(out, "not used yet") || !strings.Contains(out, "used") {
		t.Fatalf("list with the link used: %q", out)
	}
	if code, _, stderr := kiosk("link", "9"); code != 1 || !strings.Contains(stderr, "no kiosk 9") {
		t.Fatalf("a link for no kiosk: exit %d %q", code, stderr)
	}
	for _, args := range [][]string{{"link"}, {"link", "1", "2"}, {"add", "1", "--name", "x"}} {
		if code, _, _ := kiosk(args...); code != 2 {
			t.Errorf("kiosk %s: exit %d, want usage", strings.Join(args, " "), code)
		}
	}
	if code, _, stderr := kiosk("link", "1", "--public-url", "buurtloket.example.nl"); code != 1 || !strings.Contains(stderr, "not an address") {
		t.Errorf("a public URL without a scheme: exit %d %q", code, stderr)
	}
}
