package kiosk

import (
	"context"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
)

// Wrong codes a connection may try before it must wait.
const (
	maxWrongTries = 5
	wrongWindow   = 10 * time.Minute
)

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
}

var followMessages = []string{
	"ui.follow.start", "ui.follow.title", "ui.follow.code", "ui.follow.pin", "ui.follow.open", "ui.follow.wrong",
	"ui.follow.wait", "ui.follow.status", "ui.follow.staff", "ui.follow.you", "ui.follow.none", "ui.follow.reply", "ui.follow.closed",
}

// follow opens a request by its code and PIN. A wrong code or PIN gets one
// answer for both, and after a few the connection must wait.
func (c *conn) follow(ctx context.Context, ticket, pin string) {
	if time.Since(c.wrongSince) > wrongWindow {
		c.wrongTries, c.wrongSince = 0, time.Now()
	}
	if c.wrongTries >= maxWrongTries {
		c.say(buurtloket.EINVALID, "ui.follow.wait")
		return
	}
	r, err := c.s.cfg.Store.RequestByTicket(ctx, ticket, pin)
	if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
		c.wrongTries++
		c.say(buurtloket.ENOTFOUND, "ui.follow.wrong")
		return
	} else if err != nil {
		c.sendError(err)
		return
	}
	c.followTicket, c.followPIN = r.Ticket, pin
	c.showFollow(ctx, r)
}

// reply sends the resident's answer on the request they follow.
func (c *conn) reply(ctx context.Context, text string) {
	if c.followTicket == "" {
		c.sendError(buurtloket.Errorf(buurtloket.EINVALID, "open a request with its code first"))
		return
	}
	if _, err := c.s.cfg.Store.ResidentReply(ctx, c.followTicket, c.followPIN, text); err != nil {
		if buurtloket.ErrorCode(err) == buurtloket.ECONFLICT {
			c.say(buurtloket.ECONFLICT, "ui.follow.closed")
			return
		}
		c.sendError(err)
		return
	}
	r, err := c.s.cfg.Store.RequestByTicket(ctx, c.followTicket, c.followPIN)
	if err != nil {
		c.sendError(err)
		return
	}
	c.showFollow(ctx, r)
}

func (c *conn) showFollow(ctx context.Context, r *buurtloket.Request) {
	thread, err := c.s.cfg.Store.Thread(ctx, r.ID)
	if err != nil {
		c.sendError(err)
		return
	}
	e := c.s.cfg.Engine()
	lang := c.sess.Lang
	cat := e.Content().Catalog
	f := followFrame{Type: "follow", Ticket: r.Ticket, Status: cat.Text(lang, r.Status.MessageID()),
		CanReply: r.Status != buurtloket.StatusClosed, Messages: []messageDTO{}, UI: followWords(e, lang)}
	for _, m := range thread {
		// Staff names stay inside: the resident sees "staff member".
		f.Messages = append(f.Messages, messageDTO{FromStaff: m.Author == buurtloket.AuthorStaff, Body: m.Body, When: m.CreatedAt.Format("2006-01-02")})
	}
	c.queue(f)
}

func followWords(e *dialogs.Engine, lang string) *followTexts {
	t := func(id string) string { return e.Content().Catalog.Text(lang, id) }
	ui := e.Content().UI(lang)
	return &followTexts{
		Title: t("ui.follow.title"), Status: t("ui.follow.status"), Staff: t("ui.follow.staff"), You: t("ui.follow.you"),
		None: t("ui.follow.none"), Reply: t("ui.follow.reply"), Send: t("ui.text.send"), Closed: t("ui.follow.closed"), Back: ui.Back,
	}
}
