package storetest

import (
	"testing"
	"time"

	"buurtloket"
)

func testKiosks(t *testing.T, s Store, clock *Clock) {
	k, token, err := s.AddKiosk(ctx(t), "  Buurthuis De Erker ", "Oost")
	if err != nil || k.Name != "Buurthuis De Erker" || k.Wijk != "Oost" || len(token) < 40 {
		t.Fatalf("add: %v %+v %q", err, k, token)
	}
	other, _, err := s.AddKiosk(ctx(t), "Wijkcentrum Nieuwland", "Nieuwland")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.KioskByToken(ctx(t), token)
	if err != nil || got.ID != k.ID || got.Wijk != "Oost" || !got.SeenAt.IsZero() {
		t.Fatalf("by token: %v %+v", err, got)
	}
	// Seen: the last time its page was connected.
	clock.Add(time.Hour)
	if err := s.KioskSeen(ctx(t), k.ID); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Minute)
	if err := s.KioskSeen(ctx(t), k.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = s.KioskByToken(ctx(t), token); err != nil || !got.SeenAt.Equal(clock.Now()) {
		t.Fatalf("seen at %v, want %v (%v)", got.SeenAt, clock.Now(), err)
	}
	if err := s.KioskSeen(ctx(t), 9999); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an unknown kiosk seen: %v", err)
	}
	for _, bad := range []string{"", "x", token + "x", buurtloket.HashKioskToken(token)} {
		if _, err := s.KioskByToken(ctx(t), bad); code(err) != buurtloket.ENOTFOUND {
			t.Errorf("token %.12q: %v", bad, err)
		}
	}
	if err := s.RevokeKiosk(ctx(t), k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KioskByToken(ctx(t), token); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a revoked kiosk still pairs: %v", err)
	}
	if err := s.RevokeKiosk(ctx(t), k.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := s.KioskSeen(ctx(t), k.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a revoked kiosk seen: %v", err)
	}
	list, err := s.Kiosks(ctx(t))
	if err != nil || len(list) != 2 || list[0].RevokedAt.IsZero() || !list[1].RevokedAt.IsZero() || list[1].ID != other.ID ||
		list[0].SeenAt.IsZero() || !list[1].SeenAt.IsZero() {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, _, err := s.AddKiosk(ctx(t), "", "Oost"); code(err) != buurtloket.EINVALID {
		t.Fatalf("no name: %v", err)
	}
}
