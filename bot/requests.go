package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
)

// A chat's requests: following one from the kiosk's QR code, the status,
// messages for staff, languages and forgetting everything.

// routeOf is how the store keeps the way back to a chat (sealed).
func routeOf(chatID int64) string { return "telegram:" + strconv.FormatInt(chatID, 10) }

// ChatOfRoute returns the chat of a route routeOf made.
func ChatOfRoute(route string) (int64, bool) {
	s, ok := strings.CutPrefix(route, "telegram:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id != 0
}

// ticketOfPayload reads the ticket of a deep link's payload (FollowLink).
func ticketOfPayload(p string) (string, bool) {
	if p == "" || len(p) > 32 {
		return "", false
	}
	return buurtloket.NormalizeTicket(p)
}

// followWithPIN opens a request from the kiosk's QR code with its PIN: it
// joins the chat's requests, so that the resident can write to staff and
// ask its status here.
func (c *conv) followWithPIN(ticket, pin string) error {
	c.st.Waiting = ""
	r, err := c.b.cfg.Store.RequestByTicket(c.ctx, ticket, strings.TrimSpace(pin))
	switch buurtloket.ErrorCode(err) {
	case "":
	case buurtloket.ENOTFOUND:
		// Wrong: said so, and the next text is a message again (a PIN
		// is tried again with /start CODE, or the kiosk's QR code).
		return c.say(c.text("ui.follow.wrong"))
	case buurtloket.ELOCKED:
		until, _ := buurtloket.Until(err)
		if until.IsZero() {
			return c.say(c.text("ui.follow.locked_staff"))
		}
		d := time.Until(until)
		id, n := "ui.follow.locked_minutes", int(d.Minutes())+1
		if d > 90*time.Minute {
			id, n = "ui.follow.locked_hours", int(d.Hours())+1
		}
		return c.say(c.e.Content().Catalog.Plural(c.lang(), id, n, nil))
	default:
		return err
	}
	c.remember(chatRequest{ID: r.ID, Ticket: r.Ticket, PIN: strings.TrimSpace(pin)})
	return c.say(c.format("ui.bot.follow.ok", map[string]any{"Ticket": r.Ticket, "Status": c.text(r.Status.MessageID())}))
}

// openRequests are the chat's requests that are still open.
func (c *conv) openRequests() []chatRequest {
	var out []chatRequest
	for _, r := range c.st.Requests {
		req, err := c.b.cfg.Store.Request(c.ctx, r.ID)
		if err == nil && req.Status != buurtloket.StatusClosed {
			out = append(out, r)
		}
	}
	return out
}

// status says how each of the chat's requests stands.
func (c *conv) status() error {
	var lines []string
	for _, r := range c.st.Requests {
		req, err := c.b.cfg.Store.Request(c.ctx, r.ID)
		if err != nil {
			continue // purged
		}
		lines = append(lines, c.format("ui.bot.status.line", map[string]any{"Ticket": r.Ticket, "Status": c.text(req.Status.MessageID())}))
	}
	if len(lines) == 0 {
		return c.say(c.text("ui.bot.status.none"))
	}
	return c.say(strings.Join(lines, "\n"))
}

// toStaff adds the resident's message to the thread of their open
// request; with several open, it asks which one first.
func (c *conv) toStaff(text string) error {
	open := c.openRequests()
	if len(open) == 1 {
		return c.addToThread(open[0], text)
	}
	c.st.Waiting = "which:" + text
	token := newToken()
	var rows [][]inlineButton
	for _, r := range open {
		// By the request's ID: the open ones may be others when pressed.
		rows = append(rows, []inlineButton{{Text: r.Ticket, Data: data(token, "r", strconv.FormatInt(r.ID, 10))}})
	}
	if err := c.closeQuestion(""); err != nil {
		return err
	}
	ask := c.text("ui.bot.which_request")
	id, err := c.send(ask, inlineKeyboard{Rows: rows})
	if err != nil {
		return err
	}
	c.st.Question, c.st.Asked, c.st.Token = id, ask, token
	return nil
}

// toStaffOn sends the message that waited for "which request" to the
// request with that ID, one of the chat's.
func (c *conv) toStaffOn(id string) error {
	text, ok := strings.CutPrefix(c.st.Waiting, "which:")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil {
		return c.closeQuestion("")
	}
	for _, r := range c.st.Requests {
		if r.ID == n {
			c.st.Waiting = ""
			if err := c.closeQuestion(r.Ticket); err != nil {
				return err
			}
			return c.addToThread(r, text)
		}
	}
	return c.closeQuestion("")
}

func (c *conv) addToThread(r chatRequest, text string) error {
	_, err := c.b.cfg.Store.ResidentReply(c.ctx, r.Ticket, r.PIN, text)
	switch buurtloket.ErrorCode(err) {
	case "":
		// The message is in the thread: a confirmation that does not go
		// out is not worth handling the update again (which would put the
		// message in the thread twice).
		if err := c.say(c.format("ui.bot.sent_to_staff", map[string]any{"Ticket": r.Ticket})); err != nil {
			c.b.cfg.Logger.Warn("a resident's message reached the thread, but its confirmation did not go out", "request", r.ID, "error", err.Error())
		}
		return nil
	case buurtloket.ECONFLICT:
		return c.say(c.text("ui.follow.closed"))
	case buurtloket.ELIMITED:
		return c.say(c.text("ui.follow.limited"))
	case buurtloket.EINVALID, buurtloket.ETOOLARGE:
		return c.say(c.format("ui.bot.too_long", map[string]any{"Max": buurtloket.MaxMessageChars}))
	case buurtloket.ENOTFOUND, buurtloket.ELOCKED:
		return c.say(c.text("ui.follow.wrong"))
	}
	return err
}

// askLanguage shows the shipped languages as buttons.
func (c *conv) askLanguage() error {
	if err := c.closeQuestion(""); err != nil {
		return err
	}
	token := newToken()
	var rows [][]inlineButton
	for _, l := range c.e.Content().Catalog.Languages() {
		rows = append(rows, []inlineButton{{Text: l.Name, Data: data(token, "l", l.Code)}})
	}
	ask := c.text("ui.languages")
	id, err := c.send(ask, inlineKeyboard{Rows: rows})
	if err != nil {
		return err
	}
	c.st.Question, c.st.Asked, c.st.Token = id, ask, token
	return nil
}

func (c *conv) languageName(code string) string {
	if l, ok := c.e.Content().Catalog.Language(code); ok {
		return l.Name
	}
	return code
}

// askForget says what forgetting deletes, and asks.
func (c *conv) askForget() error {
	if err := c.closeQuestion(""); err != nil {
		return err
	}
	token := newToken()
	ask := c.text("ui.bot.forget.ask")
	id, err := c.send(ask, inlineKeyboard{Rows: [][]inlineButton{
		{{Text: c.text("ui.bot.forget.yes"), Data: data(token, "f", "")}},
		{{Text: c.text("ui.bot.forget.no"), Data: data(token, "x", "")}},
	}})
	if err != nil {
		return err
	}
	c.st.Question, c.st.Asked, c.st.Token = id, ask, token
	return nil
}

// forget deletes everything buurtloket keeps about the chat: the way back
// to it from every request (staff replies no longer come here), and the
// conversation with its requests' codes. The requests themselves stay
// with staff, as asked.
func (c *conv) forget() error {
	for _, r := range c.st.Requests {
		if err := c.b.cfg.Store.ForgetRoute(c.ctx, r.ID, routeOf(c.st.ChatID)); err != nil && buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
			return err
		}
	}
	if err := c.closeQuestion(c.text("ui.bot.forget.yes")); err != nil {
		return err
	}
	chat := c.st.ChatID
	*c.st = chatState{ChatID: chat, Lang: c.st.Lang}
	return c.sendTo(chat, c.text("ui.bot.forget.done"), nil)
}

var (
	emailPattern = regexp.MustCompile(`[^\s,;]+@[^\s,;]+\.[^\s,;]+`)
	phonePattern = regexp.MustCompile(`\+?[0-9][0-9 ()-]{7,}[0-9]`)
)

// typedContact reads a contact typed in one message: a name, and a phone
// number or an e-mail address, in any order ("Fatima Yilmaz 06 12345678").
func typedContact(text string) dialogs.Contact {
	var ct dialogs.Contact
	if m := emailPattern.FindString(text); m != "" {
		ct.Email = m
		text = strings.Replace(text, m, " ", 1)
	}
	if m := phonePattern.FindString(text); m != "" {
		ct.Phone = strings.TrimSpace(m)
		text = strings.Replace(text, m, " ", 1)
	}
	ct.Name = strings.Join(strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }), " ")
	return ct
}
