package storetest

import (
	"sync"
	"testing"
	"time"

	"buurtloket"
)

// pairKiosk spends a pairing link and returns the device token.
func pairKiosk(t *testing.T, s Store, link string, id int64) string {
	t.Helper()
	k, device, err := s.PairKiosk(ctx(t), link)
	if err != nil || k.ID != id || len(device) < 40 || device == link || k.LinkOpen || k.PairedAt.IsZero() {
		t.Fatalf("pairing: %v %+v %q", err, k, device)
	}
	return device
}

func testKiosks(t *testing.T, s Store, clock *Clock) {
	k, link, err := s.AddKiosk(ctx(t), "  Buurthuis De Erker ", "Oost")
	if err != nil || k.Name != "Buurthuis De Erker" || k.Wijk != "Oost" || len(link) < 40 || !k.LinkOpen {
		t.Fatalf("add: %v %+v %q", err, k, link)
	}
	other, _, err := s.AddKiosk(ctx(t), "Wijkcentrum Nieuwland", "Nieuwland")
	if err != nil {
		t.Fatal(err)
	}
	// The link is not what the kiosk proves itself with; pairing spends it.
	if _, err := s.KioskByToken(ctx(t), link); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a link token as a device's: %v", err)
	}
	device := pairKiosk(t, s, link, k.ID)
	if _, _, err := s.PairKiosk(ctx(t), link); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a pairing link used twice: %v", err)
	}
	for i := 0; i < 2; i++ {
		got, err := s.KioskByToken(ctx(t), device)
		if err != nil || got.ID != k.ID || got.Wijk != "Oost" || !got.SeenAt.IsZero() || got.LinkOpen {
			t.Fatalf("by device token: %v %+v", err, got)
		}
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
	if got, err := s.KioskByToken(ctx(t), device); err != nil || !got.SeenAt.Equal(clock.Now()) {
		t.Fatalf("seen at %v, want %v (%v)", got.SeenAt, clock.Now(), err)
	}
	if err := s.KioskSeen(ctx(t), 9999); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an unknown kiosk seen: %v", err)
	}
	for _, bad := range []string{"", "x", device + "x", buurtloket.HashKioskToken(device), link} {
		if _, err := s.KioskByToken(ctx(t), bad); code(err) != buurtloket.ENOTFOUND {
			t.Errorf("token %.12q: %v", bad, err)
		}
		if _, _, err := s.PairKiosk(ctx(t), bad); code(err) != buurtloket.ENOTFOUND {
			t.Errorf("pairing with %.12q: %v", bad, err)
		}
	}

	// A new link: the device keeps working until the link is used; a
	// newer link makes the one before useless.
	second, err := s.NewKioskLink(ctx(t), k.ID)
	if err != nil || second == link {
		t.Fatalf("new link: %v", err)
	}
	if got, err := s.KioskByToken(ctx(t), device); err != nil || !got.LinkOpen {
		t.Fatalf("the device after a new link: %v %+v", err, got)
	}
	third, err := s.NewKioskLink(ctx(t), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PairKiosk(ctx(t), second); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a replaced link: %v", err)
	}
	newDevice := pairKiosk(t, s, third, k.ID)
	if _, err := s.KioskByToken(ctx(t), device); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the device paired before still works: %v", err)
	}
	if got, err := s.KioskByToken(ctx(t), newDevice); err != nil || got.ID != k.ID {
		t.Fatalf("the new device: %v", err)
	}
	if _, err := s.NewKioskLink(ctx(t), 9999); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a link for no kiosk: %v", err)
	}

	// Many uses of one link at once: one pairs, the others find it spent.
	fourth, err := s.NewKioskLink(ctx(t), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var devices []string
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, d, err := s.PairKiosk(ctx(t), fourth)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				devices = append(devices, d)
			} else if code(err) != buurtloket.ENOTFOUND {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(devices) != 1 {
		t.Fatalf("one link paired %d devices", len(devices))
	}
	if _, err := s.KioskByToken(ctx(t), devices[0]); err != nil {
		t.Fatal(err)
	}

	// Revoked: nothing of it works any more.
	open, err := s.NewKioskLink(ctx(t), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKiosk(ctx(t), k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KioskByToken(ctx(t), devices[0]); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a revoked kiosk still works: %v", err)
	}
	if _, _, err := s.PairKiosk(ctx(t), open); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a revoked kiosk's link pairs: %v", err)
	}
	if _, err := s.NewKioskLink(ctx(t), k.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a link for a revoked kiosk: %v", err)
	}
	if err := s.RevokeKiosk(ctx(t), k.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := s.KioskSeen(ctx(t), k.ID); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a revoked kiosk seen: %v", err)
	}
	list, err := s.Kiosks(ctx(t))
	if err != nil || len(list) != 2 || list[0].RevokedAt.IsZero() || !list[1].RevokedAt.IsZero() || list[1].ID != other.ID ||
		list[0].SeenAt.IsZero() || !list[1].SeenAt.IsZero() || list[0].PairedAt.IsZero() || !list[1].PairedAt.IsZero() ||
		list[0].LinkOpen || !list[1].LinkOpen {
		t.Fatalf("list: %v %+v %+v", err, list[0], list[1])
	}
	if _, _, err := s.AddKiosk(ctx(t), "", "Oost"); code(err) != buurtloket.EINVALID {
		t.Fatalf("no name: %v", err)
	}
}

// MigratedKiosks checks a store migrated from before single-use pairing
// links: kiosk 1 was paired with token paired (its page was seen), kiosk 2
// was added with link token waiting and never seen.
func MigratedKiosks(t *testing.T, s Store, paired, waiting string) {
	if k, err := s.KioskByToken(ctx(t), paired); err != nil || k.ID != 1 || k.LinkOpen {
		t.Fatalf("a kiosk paired before: %v %+v", err, k)
	}
	if _, _, err := s.PairKiosk(ctx(t), paired); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the link of a kiosk paired before still pairs: %v", err)
	}
	// Before it is used, the waiting link is a link only, not a device.
	if _, err := s.KioskByToken(ctx(t), waiting); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("an unused link stands in for a device: %v", err)
	}
	device := pairKiosk(t, s, waiting, 2)
	if _, _, err := s.PairKiosk(ctx(t), waiting); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the link of a kiosk never seen pairs twice: %v", err)
	}
	if _, err := s.KioskByToken(ctx(t), waiting); code(err) != buurtloket.ENOTFOUND {
		t.Fatalf("a spent link as a device token: %v", err)
	}
	if k, err := s.KioskByToken(ctx(t), device); err != nil || k.ID != 2 {
		t.Fatalf("the device paired after the migration: %v", err)
	}
}
