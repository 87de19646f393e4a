package buurtloket

import "testing"

// TestAccountOfActor: only the spelling ActorOf makes names an account,
// since the store records and matches that one (a privacy log of
// "staff:01" would name account 1 and list nothing of it).
func TestAccountOfActor(t *testing.T) {
	if id, ok := AccountOfActor(ActorOf(42)); !ok || id != 42 {
		t.Fatalf("ActorOf(42): %d %v", id, ok)
	}
	for _, bad := range []string{"staff:01", "staff:+1", "staff: 1", "staff:0", "staff:-3", "staff:", "staff:1x", "admin:1", "1", ActorCommandLine} {
		if id, ok := AccountOfActor(bad); ok {
			t.Errorf("%q is account %d", bad, id)
		}
	}
}
