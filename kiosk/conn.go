package kiosk

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"buurtloket"
	"buurtloket/dialogs"

	"github.com/gorilla/websocket"
)

// conn is one page's WebSocket. As in the gorilla chat example, a read pump
// reads the page's frames (and has them handled in order), a write pump
// writes the frames queued for the page with a write deadline, a slow page
// whose queue fills up is closed, and pings keep the read deadline honest.
//
// Unlike the example, the write pump is not parked for the whole life of
// the connection: it runs while frames wait and ends when the queue is
// empty, and pings go out from a timer through WriteControl, which gorilla
// allows next to a writer. A goroutine that has written to the network
// keeps a 4 KB stack for good; a parked write pump per connection was a
// third of the server's memory with thousands of idle kiosks and phones
// (docs/benchmarks.md). There is still at most one writer at a time. The
// pumps are in pumps.go; what a frame does to the conversation is here.
type conn struct {
	s     *Server
	mode  *Mode
	ws    *websocket.Conn
	key   string            // the stored session's name
	kiosk *buurtloket.Kiosk // the paired kiosk; nil on a phone
	done  chan struct{}     // the worker has handled this connection's input

	wmu          sync.Mutex
	pending      [][]byte    // frames for the page, oldest first
	pendingBytes int         // their size
	writing      bool        // a write pump runs
	closing      bool        // the connection is ending: nothing more is queued
	closeCode    int         // the close frame's code, when not a plain close (set before closing)
	ping         *time.Timer // the next ping

	// The rest is the conversation: held by mu, which the worker takes to
	// handle one of this connection's frames, and a push (push.go) to
	// send the thread it follows.
	mu       sync.Mutex
	queued   atomic.Bool // a push waits for this connection (push.go)
	sess     dialogs.Session
	receipt  *receiptDTO
	sentLang string // the language of the page's words last sent

	followed *following // the request opened with its code and PIN (follow.go)
	client   string     // who the limits count against: the kiosk, a shared network or the address (guard.go); never logged
	shared   bool       // many residents share the client: a kiosk or a shared network
	stored   bool       // a session is stored for this page: it did something
	resuming bool       // the stored session is being resumed (open)
	savedAt  time.Time  // when it was last stored

	tokens  float64
	last    time.Time
	strikes int
	noticed time.Time // when the page was last told to slow down
}

// stored is what the web channel keeps per session: the dialog session and
// the receipt the end screen shows.
type stored struct {
	Session json.RawMessage `json:"s"`
	Receipt *receiptDTO     `json:"r,omitempty"`
}

// open resumes the stored session, or starts a new one.
func (c *conn) open(ctx context.Context, lang string) {
	c.stillPaired(ctx) // seen; a kiosk revoked this instant goes at its first ping
	e := c.s.cfg.Engine()
	if data, err := c.s.cfg.Store.LoadSession(ctx, c.key); err == nil {
		var st stored
		if json.Unmarshal(data, &st) == nil {
			if sess, err := dialogs.Decode(st.Session); err == nil {
				sess, view, effects := e.Resume(sess)
				c.sess, c.receipt, c.stored = sess, st.Receipt, true
				// A submission on resume is the retry of one that passed
				// the limits already (same key: never a second request).
				c.resuming = true
				c.apply(ctx, e, view, effects)
				c.resuming = false
				return
			}
		}
		c.s.cfg.Logger.Warn("a stored session could not be read; starting anew", "mode", c.mode.Name)
	} else if buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		c.s.cfg.Logger.Error("loading a session", "error", err)
	}
	// Nothing is stored until the resident does something: opening the
	// page alone leaves nothing behind.
	sess, view := e.Start(newID(), lang)
	c.sess = sess
	c.push(e, view, false)
}

// handle applies one frame from the page.
func (c *conn) handle(ctx context.Context, data []byte) {
	req, err := parseFrame(data)
	if err != nil {
		c.sendError(err)
		return
	}
	switch req.kind {
	case "follow":
		c.follow(ctx, req.ticket, req.pin)
		return
	case "reply":
		c.reply(ctx, req.text)
		return
	case "more":
		c.more(ctx, req.before)
		return
	case "leave":
		// Back from the follow-up screen: the request is no longer open
		// here, and nothing more is pushed to the page.
		c.setFollowed(nil)
		return
	case "seen":
		c.seen(ctx, req.seen)
		return
	case "still":
		// Touched, or "I am still here": the stored session lives on (a
		// kiosk's only as long as its page would keep it). Touches come
		// often; the store hears of them at most once a minute.
		if c.followed != nil {
			c.followed.at = time.Now()
		}
		if c.stored && time.Since(c.savedAt) >= c.mode.stillEvery() {
			c.save(ctx)
		}
		return
	}
	in := req.input
	// The page is on a screen of the conversation (every global action
	// works from the follow-up screen too): it no longer shows the request.
	c.setFollowed(nil)
	c.s.metrics.inputs.WithLabelValues(c.mode.Name).Inc()
	e := c.s.cfg.Engine()
	sess, view, effects, err := e.Step(c.sess, in)
	if err != nil {
		c.sendError(err)
		return
	}
	c.sess = sess
	c.apply(ctx, e, view, effects)
}

// apply carries out the effects of a step, stores the session, and sends
// the view. A submission is stored before the ticket code is shown; the
// session is stored before the submission, so that a crash in between
// resumes at the submit step and submits again under the same key.
func (c *conn) apply(ctx context.Context, e *dialogs.Engine, view dialogs.View, effects []dialogs.Effect) {
	wipe, limited := false, false
	for _, ef := range effects {
		switch ef.Kind {
		case dialogs.EffectEmergency:
			c.s.metrics.emergency.Inc()
		case dialogs.EffectForget:
			wipe = true
			c.receipt = nil
			c.setFollowed(nil)
			if err := c.s.cfg.Store.DeleteSession(ctx, c.key); err != nil {
				c.s.cfg.Logger.Error("deleting a session", "error", err)
			}
			c.stored = false
			// A new conversation gets a new name: nothing links it to the last.
			c.sess.ID = newID()
		case dialogs.EffectSubmit, dialogs.EffectHandoff:
			if !c.stillPaired(ctx) {
				c.unpair()
				return
			}
			// A kiosk's requests carry its neighbourhood; others the one of
			// the postcode answer.
			wijk := ""
			if c.kiosk != nil && c.kiosk.Wijk != "" {
				wijk = c.kiosk.Wijk
			} else if c.s.cfg.Wijken != nil {
				wijk = c.s.cfg.Wijken.Lookup(ef.Submission.Postcode)
			}
			// One client may store only so many requests. The limit comes
			// before the session is stored at the submit step, so a session
			// resumed there (after a crash, or in a second tab) retries a
			// submission that was allowed, under the same key.
			var rec buurtloket.Receipt
			var err error
			if !c.resuming {
				ok, _ := c.submissions().Allow(c.client, time.Now())
				limited = !ok
			}
			if !limited {
				c.save(ctx)
				rec, err = c.s.cfg.Store.Submit(ctx, e.Request(ef.Submission, c.mode.Channel, wijk, ""))
			}
			result := dialogs.Input{Type: dialogs.InputResult, Ticket: rec.Ticket}
			if limited {
				result = dialogs.Input{Type: dialogs.InputResult, Failed: true}
				c.s.metrics.submitted.WithLabelValues(c.mode.Name, "limited").Inc()
			} else if err != nil {
				c.s.cfg.Logger.Error("storing a request failed; the resident can try again", "mode", c.mode.Name, "code", buurtloket.ErrorCode(err), "error", err)
				result = dialogs.Input{Type: dialogs.InputResult, Failed: true}
				c.s.metrics.submitted.WithLabelValues(c.mode.Name, "failed").Inc()
			} else if !rec.Duplicate {
				c.s.metrics.submitted.WithLabelValues(c.mode.Name, "stored").Inc()
			}
			sess, v, _, err := e.Step(c.sess, result)
			if err != nil {
				c.sendError(err)
				return
			}
			c.sess, view = sess, v
			if rec.Ticket != "" {
				c.receipt = &receiptDTO{Ticket: rec.Ticket, PIN: rec.PIN}
				if link := c.s.followLink(rec.Ticket); link != "" {
					if img, err := qrImage(link); err == nil {
						c.receipt.QR = img
					}
				}
			}
		}
	}
	// The receipt stays until the resident leaves (the emergency numbers
	// and back leave it in place); only the end screen shows it.
	if !wipe {
		c.save(ctx)
	}
	c.push(e, view, wipe)
	if limited {
		c.say(buurtloket.ELIMITED, "ui.submit.limited")
	}
}

func (c *conn) save(ctx context.Context) {
	sess, err := dialogs.Encode(c.sess)
	if err == nil {
		var data []byte
		data, err = json.Marshal(stored{Session: sess, Receipt: c.receipt})
		if err == nil {
			err = c.s.cfg.Store.SaveSession(ctx, c.key, data, time.Now().Add(c.mode.Sessions))
		}
	}
	if err != nil {
		c.s.cfg.Logger.Error("saving a session", "error", err)
		return
	}
	c.stored, c.savedAt = true, time.Now()
}

func (c *conn) push(e *dialogs.Engine, v dialogs.View, wipe bool) {
	frame := viewFrame{Type: "view", View: toDTO(e, v, c.s.cfg.Speech), Wipe: wipe}
	if c.receipt != nil && v.Ticket != "" && v.Ticket == c.receipt.Ticket {
		frame.Receipt = c.receipt
	}
	// The page's own words, the languages and the emergency strip only
	// change with the language: they go along only then.
	if v.Lang != c.sentLang {
		frame.UI, frame.Strip, frame.Langs = texts(e, v.Lang, *c.mode), strip(e, v.Lang), languages(e)
		c.sentLang = v.Lang
	}
	c.queue(frame)
}

func (c *conn) sendError(err error) {
	code := buurtloket.ErrorCode(err)
	c.s.metrics.refused.WithLabelValues(code).Inc()
	msg := buurtloket.ErrorMessage(err)
	var be *buurtloket.Error
	if !errors.As(err, &be) {
		c.s.cfg.Logger.Error("page input", "error", err)
	}
	c.queue(errorFrame{Type: "error", Code: code, Message: msg})
}

// say sends an error with words for the resident, in their language.
func (c *conn) say(code, messageID string) {
	e := c.s.cfg.Engine()
	c.queue(errorFrame{Type: "error", Code: code, Message: messageID, Say: e.Content().Catalog.Text(c.sess.Lang, messageID)})
}

func (c *conn) queue(frame any) {
	data, err := json.Marshal(frame)
	if err != nil {
		c.s.cfg.Logger.Error("encoding a frame", "error", err)
		return
	}
	c.enqueue(data)
}
