package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
	"buurtloket/sqlite"
	"buurtloket/storetest"
)

// fakeSender fails a number of times, then succeeds.
type fakeSender struct {
	failures int
	fail     error
	sent     []string
}

func (f *fakeSender) Send(ctx context.Context, d *buurtloket.Delivery) error {
	if f.failures > 0 {
		f.failures--
		return f.fail
	}
	f.sent = append(f.sent, d.Route+": "+d.Body)
	return nil
}

func setup(t *testing.T) (*requests.Store, *storetest.Clock) {
	t.Helper()
	s, _ := buurtloket.NewSealer(buurtloket.NewKey())
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "d.db"), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := storetest.NewClock()
	db.SetClock(clock.Now)
	return db, clock
}

func reply(t *testing.T, db *requests.Store, r buurtloket.NewRequest, body string) int64 {
	t.Helper()
	rec, err := db.Submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reply(context.Background(), rec.ID, "staff:anna", body); err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

func delivery(t *testing.T, db *requests.Store, id int64) *buurtloket.Message {
	t.Helper()
	thread, err := db.Thread(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return thread[len(thread)-1]
}

func TestDeliveryRetriesUntilDelivered(t *testing.T) {
	db, clock := setup(t)
	ctx := context.Background()
	tg := &fakeSender{failures: 2, fail: errors.New("telegram: 502 Bad Gateway")}
	var logs bytes.Buffer
	w := &Worker{Store: db, Senders: map[buurtloket.Channel]Sender{buurtloket.ChannelTelegram: tg}, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}

	r := storetest.NewRequest("tg")
	r.Channel, r.Route = buurtloket.ChannelTelegram, "telegram:5550123"
	r.Contact = &buurtloket.Contact{Name: "Fatima Yilmaz", Phone: "0612345678"}
	id := reply(t, db, r, "We bellen u morgen.")

	for try := 1; try <= 2; try++ {
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("try %d: %d %v", try, n, err)
		}
		if m := delivery(t, db, id); m.Delivery != buurtloket.DeliveryRetrying || m.Attempts != try {
			t.Fatalf("after failure %d: %+v", try, m)
		}
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatal("retried before its backoff")
		}
		clock.Add(time.Hour)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if m := delivery(t, db, id); m.Delivery != buurtloket.DeliverySent || m.Attempts != 3 {
		t.Fatalf("after success: %+v", m)
	}
	if len(tg.sent) != 1 || tg.sent[0] != "telegram:5550123: We bellen u morgen." {
		t.Fatalf("sent %v", tg.sent)
	}
	for _, secret := range []string{"5550123", "Fatima", "0612345678", "We bellen"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows %q:\n%s", secret, logs.String())
		}
	}
}

func TestDeliveryHeldOrUndeliverable(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	gone := &fakeSender{failures: 1, fail: fmt.Errorf("telegram: 403 Forbidden: %w", ErrUnreachable)}
	w := &Worker{Store: db, Senders: map[buurtloket.Channel]Sender{buurtloket.ChannelTelegram: gone}}

	kiosk := reply(t, db, storetest.NewRequest("kiosk"), "Kom langs in het buurthuis.")
	r := storetest.NewRequest("blocked")
	r.Channel, r.Route = buurtloket.ChannelTelegram, "telegram:1"
	blocked := reply(t, db, r, "Hallo")
	if n, err := w.RunOnce(ctx); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	if m := delivery(t, db, kiosk); m.Delivery != buurtloket.DeliveryHeld {
		t.Fatalf("a kiosk's reply: %s, want held for the ticket code", m.Delivery)
	}
	if m := delivery(t, db, blocked); m.Delivery != buurtloket.DeliveryUndeliverable {
		t.Fatalf("a reply to a blocked bot: %s, want undeliverable", m.Delivery)
	}
}

// shownMeanwhile is a store whose follow-up page shows every claimed
// reply before the worker records what it did with it.
type shownMeanwhile struct{ *requests.Store }

func (s shownMeanwhile) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*buurtloket.Delivery, error) {
	got, err := s.Store.ClaimDeliveries(ctx, limit, lease)
	for _, d := range got {
		if _, err := s.ShownToResident(ctx, d.RequestID, []int64{d.MessageID}); err != nil {
			return nil, err
		}
	}
	return got, err
}

func TestDeliveryShownMeanwhile(t *testing.T) {
	db, _ := setup(t)
	ctx := context.Background()
	w := &Worker{Store: shownMeanwhile{db}}
	first := reply(t, db, storetest.NewRequest("shown-1"), "Kom langs.")
	second := reply(t, db, storetest.NewRequest("shown-2"), "Wij bellen u.")
	// The batch goes on past an entry the page delivered first.
	if n, err := w.RunOnce(ctx); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	for _, id := range []int64{first, second} {
		if m := delivery(t, db, id); m.Delivery != buurtloket.DeliverySent {
			t.Fatalf("request %d: %s, want sent: the page showed it", id, m.Delivery)
		}
	}
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{0: 15 * time.Second, 1: 30 * time.Second, 3: 2 * time.Minute, 20: time.Hour} {
		for i := 0; i < 50; i++ {
			got := Backoff(attempts)
			if got < want*8/10 || got > want*12/10 {
				t.Fatalf("Backoff(%d) = %v, want %v ± 20%%", attempts, got, want)
			}
		}
	}
}

// TestDeliveryWaitsAsAsked: a channel that asks to wait (Telegram's 429
// retry_after) is tried again then, not after the usual backoff.
func TestDeliveryWaitsAsAsked(t *testing.T) {
	db, clock := setup(t)
	ctx := context.Background()
	slow := &fakeSender{failures: 1, fail: RetryAfter(90*time.Second, errors.New("telegram: 429 too many requests"))}
	w := &Worker{Store: db, Senders: map[buurtloket.Channel]Sender{buurtloket.ChannelTelegram: slow}, Now: clock.Now}
	r := storetest.NewRequest("slow")
	r.Channel, r.Route = buurtloket.ChannelTelegram, "telegram:7"
	id := reply(t, db, r, "Hallo")
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	clock.Add(60 * time.Second) // past any backoff of a first failure (15 s ± 20%)
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Fatal("tried again before the channel's retry_after")
	}
	clock.Add(31 * time.Second)
	if n, err := w.RunOnce(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if m := delivery(t, db, id); m.Delivery != buurtloket.DeliverySent {
		t.Fatalf("after retry_after: %+v", m)
	}
}
