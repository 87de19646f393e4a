// Package delivery brings staff replies to residents. A Worker takes due
// entries from the store's outbox, hands each to the sender of the
// resident's channel, and records the result: sent, held for the resident
// to read with the ticket code, or failed and retried later with backoff.
// Several workers, in one process or many, can run on one store.
package delivery

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"buurtloket"
)

// Sender brings one message to one channel (the bot, a connected page).
type Sender interface {
	Send(ctx context.Context, d *buurtloket.Delivery) error
}

// ErrUnreachable, returned (or wrapped) by a Sender, means trying again
// will not help (the resident blocked the bot, the chat is gone): the
// message is undeliverable on the channel, and the resident can still
// read it with the ticket code.
var ErrUnreachable = errors.New("the resident cannot be reached on this channel")

// RetryAfter wraps a Sender's error with how long the channel asked to
// wait (Telegram's 429 retry_after): the next try comes then, not after
// the usual backoff.
func RetryAfter(d time.Duration, err error) error { return &retryAfter{d, err} }

type retryAfter struct {
	d   time.Duration
	err error
}

func (r *retryAfter) Error() string { return r.err.Error() }
func (r *retryAfter) Unwrap() error { return r.err }

// Worker delivers outbox entries.
type Worker struct {
	Store   buurtloket.ThreadStore
	Senders map[buurtloket.Channel]Sender
	Logger  *slog.Logger
	Now     func() time.Time
	Batch   int           // entries per claim; default 50
	Lease   time.Duration // how long a claim keeps others away; default 1 minute
	Poll    time.Duration // pause when the outbox is empty; default 2 seconds
}

// Backoff is the wait before try attempts+1: 15 s, 30 s, 1 min, … up to
// an hour, with ±20% jitter so that many failures do not retry in step.
func Backoff(attempts int) time.Duration {
	d := 15 * time.Second
	for i := 0; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 50
	}
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.Poll <= 0 {
		w.Poll = 2 * time.Second
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("delivery", "error", err)
		}
		if n > 0 && err == nil {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims one batch and delivers it; it returns how many it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	batch, err := w.Store.ClaimDeliveries(ctx, w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for _, d := range batch {
		err := w.deliver(ctx, d)
		if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
			// Done meanwhile: the resident's follow-up page showed it (or
			// the request was purged). Nothing is left to record.
			continue
		}
		if err != nil {
			return 0, err
		}
	}
	return len(batch), nil
}

// deliver handles one entry. Logs carry IDs and channels, never routes,
// names or message text.
func (w *Worker) deliver(ctx context.Context, d *buurtloket.Delivery) error {
	// A route names its channel ("telegram:…"): a request made at the
	// kiosk and followed in the bot goes to the bot.
	sender := w.Senders[d.Channel]
	if scheme, _, ok := strings.Cut(d.Route, ":"); ok && w.Senders[buurtloket.Channel(scheme)] != nil {
		sender = w.Senders[buurtloket.Channel(scheme)]
	}
	if sender == nil || d.Route == "" {
		// No way to push it: the resident reads it with the code.
		return w.Store.DeliveryDone(ctx, d.ID, buurtloket.DeliveryHeld)
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err := sender.Send(sendCtx, d)
	cancel()
	switch {
	case err == nil:
		w.Logger.Info("reply delivered", "request", d.RequestID, "message", d.MessageID, "channel", d.Channel, "attempt", d.Attempts+1)
		return w.Store.DeliveryDone(ctx, d.ID, buurtloket.DeliverySent)
	case errors.Is(err, ErrUnreachable):
		w.Logger.Warn("resident unreachable on the channel; the reply waits for the ticket code", "request", d.RequestID, "channel", d.Channel, "reason", err.Error())
		return w.Store.DeliveryDone(ctx, d.ID, buurtloket.DeliveryUndeliverable)
	default:
		retry := w.Now().Add(Backoff(d.Attempts))
		var ra *retryAfter
		if errors.As(err, &ra) {
			retry = w.Now().Add(ra.d)
		}
		w.Logger.Warn("reply not delivered, will retry", "request", d.RequestID, "channel", d.Channel, "attempt", d.Attempts+1, "retry_at", retry.Format(time.RFC3339), "error", err.Error())
		return w.Store.DeliveryFailed(ctx, d.ID, err.Error(), retry)
	}
}
