package kiosk

import (
	"context"
	"math"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
)

// threadPage is how many messages of a thread a page gets at once; older
// ones come on request ("more").
const threadPage = 20

// followTexts are the follow-up screen's words.
type followTexts struct {
	Title  string `json:"title"`
	Status string `json:"status"`
	Staff  string `json:"staff"`
	You    string `json:"you"`
	None   string `json:"none"`
	Reply  string `json:"reply"`
	Send   string `json:"send"`
	Closed string `json:"closed"`
	Back   string `json:"back"`
	More   string `json:"more"`
}

var followMessages = []string{
	"ui.follow.start", "ui.follow.title", "ui.follow.code", "ui.follow.pin", "ui.follow.open", "ui.follow.wrong",
	"ui.follow.locked_minutes", "ui.follow.locked_hours", "ui.follow.locked_staff", "ui.follow.limited", "ui.follow.slow", "ui.follow.more",
	"ui.follow.status", "ui.follow.staff", "ui.follow.you", "ui.follow.none", "ui.follow.reply", "ui.follow.closed", "ui.submit.limited",
}

// following is the request a connection has opened with its code and PIN:
// kept in memory only, for this connection, and forgotten with the
// conversation (stop, leave quickly, the idle wipe) or when the page has
// been still for as long as a stored session lives.
type following struct {
	id          int64
	ticket, pin string
	at          time.Time // the last time the resident did something with it
}

// follow opens a request by its code and PIN. A wrong code or PIN gets one
// answer for both. Wrong PINs are counted per ticket by the store, which
// locks the ticket after a few; wrong codes and PINs are also limited per
// client here, so that one client cannot try many tickets.
func (c *conn) follow(ctx context.Context, ticket, pin string) {
	now := time.Now()
	if ok, next := c.spendWrongTry(now); !ok {
		// Never the address, the code or the PIN.
		c.s.cfg.Logger.Warn("follow-up refused: too many wrong codes or PINs from one client", "mode", c.mode.Name)
		c.s.metrics.followRefused.WithLabelValues("client").Inc()
		c.sayWait(buurtloket.ELIMITED, next.Sub(now))
		return
	}
	r, err := c.s.cfg.Store.RequestByTicket(ctx, ticket, pin)
	switch buurtloket.ErrorCode(err) {
	case "":
		c.refundWrongTry(now) // the right PIN costs nothing
	case buurtloket.ENOTFOUND:
		c.s.metrics.wrongPINs.Inc()
		c.say(buurtloket.ENOTFOUND, "ui.follow.wrong")
		return
	case buurtloket.ELOCKED:
		c.s.cfg.Logger.Warn("follow-up refused: the ticket is locked after wrong PINs", "mode", c.mode.Name)
		c.s.metrics.followRefused.WithLabelValues("locked").Inc()
		c.sayLocked(err)
		return
	default:
		c.refundWrongTry(now) // the store's trouble is not the resident's try
		c.sendError(err)
		return
	}
	c.setFollowed(&following{id: r.ID, ticket: r.Ticket, pin: pin, at: now})
	c.showFollow(ctx, r, 0, false)
}

// opened returns the request this connection follows, or nil after
// telling the page to open one first. A page left still for as long as a
// stored session lives has forgotten it.
func (c *conn) opened() *following {
	f := c.followed
	if f != nil && time.Since(f.at) > c.mode.Sessions {
		c.setFollowed(nil)
		f = nil
	}
	if f == nil {
		c.sendError(buurtloket.Errorf(buurtloket.EINVALID, "open a request with its code first"))
		return nil
	}
	f.at = time.Now()
	return f
}

// reply sends the resident's answer on the request they follow.
func (c *conn) reply(ctx context.Context, text string) {
	f := c.opened()
	if f == nil {
		return
	}
	if ok, _ := c.s.guards.replies.Allow(f.ticket, time.Now()); !ok {
		c.say(buurtloket.ELIMITED, "ui.follow.slow")
		return
	}
	_, err := c.s.cfg.Store.ResidentReply(ctx, f.ticket, f.pin, text)
	switch buurtloket.ErrorCode(err) {
	case "":
	case buurtloket.ECONFLICT:
		c.say(buurtloket.ECONFLICT, "ui.follow.closed")
		return
	case buurtloket.ELIMITED:
		c.say(buurtloket.ELIMITED, "ui.follow.limited")
		return
	case buurtloket.ELOCKED, buurtloket.ENOTFOUND:
		// Locked by wrong PINs elsewhere since it was opened, or purged.
		c.setFollowed(nil)
		if buurtloket.ErrorCode(err) == buurtloket.ELOCKED {
			c.sayLocked(err)
		} else {
			c.say(buurtloket.ENOTFOUND, "ui.follow.wrong")
		}
		return
	default:
		c.sendError(err)
		return
	}
	r, err := c.s.cfg.Store.Request(ctx, f.id)
	if err != nil {
		c.sendError(err)
		return
	}
	c.showFollow(ctx, r, 0, false)
}

// more sends the messages before the one with ID before.
func (c *conn) more(ctx context.Context, before int64) {
	f := c.opened()
	if f == nil {
		return
	}
	r, err := c.s.cfg.Store.Request(ctx, f.id)
	if err != nil {
		c.sendError(err)
		return
	}
	c.showFollow(ctx, r, before, false)
}

// showFollow sends a page of the thread: the newest messages, or with
// before the ones older than that message. An update is pushed, not asked
// for (push.go): the page shows it only while it shows this request. The
// page says which staff messages it drew ("seen"): those count as
// delivered.
func (c *conn) showFollow(ctx context.Context, r *buurtloket.Request, before int64, update bool) {
	thread, older, err := c.s.cfg.Store.ThreadPage(ctx, r.ID, before, threadPage)
	if err != nil {
		if !update {
			c.sendError(err)
		}
		return
	}
	e := c.s.cfg.Engine()
	lang := c.sess.Lang
	cat := e.Content().Catalog
	f := followFrame{Type: "follow", Ticket: r.Ticket, Status: cat.Text(lang, r.Status.MessageID()),
		CanReply: r.Status != buurtloket.StatusClosed, Messages: []messageDTO{}, Older: older, Before: before != 0, Update: update, UI: followWords(e, lang)}
	for _, m := range thread {
		// Staff names stay inside: the resident sees "staff member".
		f.Messages = append(f.Messages, messageDTO{ID: m.ID, FromStaff: m.Author == buurtloket.AuthorStaff, Body: m.Body, When: m.CreatedAt.Format("2006-01-02")})
	}
	c.queue(f)
}

// sayLocked tells the resident how long a locked code must wait, or that
// staff can open it.
func (c *conn) sayLocked(err error) {
	until, _ := buurtloket.Until(err)
	if until.IsZero() {
		c.say(buurtloket.ELOCKED, "ui.follow.locked_staff")
		return
	}
	c.sayWait(buurtloket.ELOCKED, time.Until(until))
}

// sayWait tells the resident to try again after d, in whole minutes up to
// an hour and a half, else in hours; always rounded up. The code says why:
// ELOCKED for the ticket, ELIMITED for this client.
func (c *conn) sayWait(code string, d time.Duration) {
	cat := c.s.cfg.Engine().Content().Catalog
	id, n := "ui.follow.locked_minutes", int(math.Ceil(d.Minutes()))
	if d > 90*time.Minute {
		id, n = "ui.follow.locked_hours", int(math.Ceil(d.Hours()))
	}
	n = max(n, 1)
	c.queue(errorFrame{Type: "error", Code: code, Message: id, Say: cat.Plural(c.sess.Lang, id, n, nil)})
}

func followWords(e *dialogs.Engine, lang string) *followTexts {
	t := func(id string) string { return e.Content().Catalog.Text(lang, id) }
	ui := e.Content().UI(lang)
	return &followTexts{
		Title: t("ui.follow.title"), Status: t("ui.follow.status"), Staff: t("ui.follow.staff"), You: t("ui.follow.you"),
		None: t("ui.follow.none"), Reply: t("ui.follow.reply"), Send: t("ui.text.send"), Closed: t("ui.follow.closed"), Back: ui.Back,
		More: t("ui.follow.more"),
	}
}
