package bot

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/speech"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// chatState is a chat's conversation as the store keeps it (sealed): the
// chat, its language, the dialog session, the question on screen and its
// step token, and the requests made or followed in this chat.
type chatState struct {
	ChatID   int64           `json:"c,omitempty"`
	Lang     string          `json:"l,omitempty"`
	Session  json.RawMessage `json:"s,omitempty"`
	Question int             `json:"q,omitempty"` // the message ID of the question on screen
	Asked    string          `json:"a,omitempty"` // its text, to edit in the chosen answer
	Token    string          `json:"t,omitempty"` // its step token: a press on another keyboard is old
	Chosen   []string        `json:"m,omitempty"` // a multi step's options ticked so far
	Requests []chatRequest   `json:"r,omitempty"`
	Waiting  string          `json:"w,omitempty"` // what a typed text answers outside the flow: "pin:TICKET", "which:TEXT"
	Sharing  bool            `json:"k,omitempty"` // the share-contact button shows, under the typing field
	Seen     time.Time       `json:"at,omitempty"`
}

// chatRequest is a request made or followed in the chat: what it takes to
// add the resident's messages to its thread.
type chatRequest struct {
	ID     int64  `json:"i"`
	Ticket string `json:"t"`
	PIN    string `json:"p"`
}

// maxRequests bounds the requests a chat remembers (the oldest go).
const maxRequests = 10

// idleConversation is how long a conversation in progress is kept: after
// that, a message starts at the menu (the requests stay).
const idleConversation = 7 * 24 * time.Hour

func loadState(data []byte) (*chatState, error) {
	st := &chatState{}
	if len(data) == 0 {
		return st, nil
	}
	err := json.Unmarshal(data, st)
	return st, err
}

func (st *chatState) encode() ([]byte, error) { return json.Marshal(st) }

func (st *chatState) clone() *chatState {
	c := *st
	c.Chosen = append([]string(nil), st.Chosen...)
	c.Requests = append([]chatRequest(nil), st.Requests...)
	return &c
}

// conv is the handling of one update.
type conv struct {
	b   *Bot
	ctx context.Context
	st  *chatState
	e   *dialogs.Engine
}

// handle handles one update. It returns an error only when the Bot API
// kept the answer from going out (transient): the update waits then, and
// is handled again from the same state.
func (c *conv) handle(u *models.Update) error {
	c.e = c.b.cfg.Engine()
	switch {
	case u.Message != nil:
		return c.message(u.Message)
	case u.CallbackQuery != nil:
		return c.press(u.CallbackQuery)
	case u.EditedMessage != nil:
		return nil // an edited answer changes nothing given
	case u.MyChatMember != nil && u.MyChatMember.Chat.Type != models.ChatTypePrivate &&
		u.MyChatMember.NewChatMember.Type == models.ChatMemberTypeMember:
		// Added to a group: say once that the bot talks to residents alone.
		return c.toGroup(u.MyChatMember.Chat.ID, &u.MyChatMember.From)
	}
	return nil
}

func (c *conv) lang() string {
	if c.st.Lang != "" {
		return c.st.Lang
	}
	return c.e.Content().Catalog.SourceLanguage()
}

func (c *conv) text(id string) string { return c.e.Content().Catalog.Text(c.lang(), id) }

func (c *conv) format(id string, data map[string]any) string {
	return c.e.Content().Catalog.Format(c.lang(), id, data)
}

// chooseLanguage takes the resident's Telegram language when it is
// shipped (nl, en-GB, ar …), else the source language.
func (c *conv) chooseLanguage(code string) {
	if c.st.Lang == "" {
		c.st.Lang = c.shipped(code)
	}
}

// shipped is the shipped language of a Telegram language code, else the
// source language.
func (c *conv) shipped(code string) string {
	cat := c.e.Content().Catalog
	code = strings.ToLower(code)
	if base, _, ok := strings.Cut(code, "-"); ok {
		code = base
	}
	if _, ok := cat.Language(code); ok {
		return code
	}
	return cat.SourceLanguage()
}

// toGroup tells a group, in the language of who wrote or added the bot,
// that the bot talks to residents alone.
func (c *conv) toGroup(chat int64, from *models.User) error {
	lang := c.e.Content().Catalog.SourceLanguage()
	if from != nil {
		lang = c.shipped(from.LanguageCode)
	}
	return c.sendTo(chat, c.e.Content().Catalog.Text(lang, "ui.bot.group"), nil)
}

func (c *conv) message(m *models.Message) error {
	if m.Chat.Type != models.ChatTypePrivate {
		// In a group the bot does not talk: residents write to it alone.
		if m.Text != "" && strings.HasPrefix(m.Text, "/") {
			return c.toGroup(m.Chat.ID, m.From)
		}
		return nil
	}
	c.st.ChatID = m.Chat.ID
	if m.From != nil {
		c.chooseLanguage(m.From.LanguageCode)
	}
	defer func() { c.st.Seen = time.Now().UTC() }()
	switch {
	case m.Contact != nil:
		return c.contact(m)
	case m.Text != "":
		if !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > buurtloket.MaxMessageChars {
			return c.say(c.format("ui.bot.too_long", map[string]any{"Max": buurtloket.MaxMessageChars}))
		}
		if strings.HasPrefix(m.Text, "/") {
			return c.command(m.Text)
		}
		return c.typed(strings.TrimSpace(m.Text))
	}
	// Photos, voice, stickers, locations, files: a friendly word.
	return c.say(c.text("ui.bot.unsupported"))
}

// command handles /start (with a ticket from the kiosk's QR code), /help,
// /stop, /taal, /status and /vergeet; the command list registers them
// per language.
func (c *conv) command(text string) error {
	name, arg, _ := strings.Cut(text, " ")
	name, _, _ = strings.Cut(name, "@") // /start@buurtloket_bot in some clients
	c.st.Waiting = ""                   // a command ends waiting for a PIN or a choice
	switch strings.ToLower(name) {
	case "/start":
		if ticket, ok := ticketOfPayload(strings.TrimSpace(arg)); ok {
			if err := c.closeQuestion(""); err != nil {
				return err
			}
			c.st.Waiting = "pin:" + ticket
			return c.say(c.format("ui.bot.follow.pin", map[string]any{"Ticket": ticket}))
		}
		return c.restart()
	case "/help", "/hulp":
		return c.say(c.text("ui.bot.help"))
	case "/stop":
		c.st.Session, c.st.Chosen, c.st.Waiting = nil, nil, ""
		if err := c.closeQuestion(""); err != nil {
			return err
		}
		c.st.Question, c.st.Token = 0, ""
		if c.st.Sharing {
			c.st.Sharing = false
			_, err := c.send(c.text("ui.bot.stopped"), removeKeyboard{Remove: true})
			return err
		}
		return c.say(c.text("ui.bot.stopped"))
	case "/taal", "/language":
		return c.askLanguage()
	case "/status":
		return c.status()
	case "/vergeet", "/forget":
		return c.askForget()
	}
	return c.say(c.text("ui.bot.unknown_command"))
}

// session returns the dialog session, started or resumed.
func (c *conv) session() (dialogs.Session, bool) {
	if len(c.st.Session) == 0 || time.Since(c.st.Seen) > idleConversation {
		return dialogs.Session{}, false
	}
	s, err := dialogs.Decode(c.st.Session)
	return s, err == nil
}

func (c *conv) restart() error {
	sess, v := c.e.Start(newID(), c.lang())
	return c.show(sess, v)
}

// step applies an input to the dialog and shows what comes.
func (c *conv) step(in dialogs.Input) error {
	sess, ok := c.session()
	if !ok {
		return c.restart()
	}
	next, v, effects, err := c.e.Step(sess, in)
	if err != nil {
		return c.say(c.text("ui.error.generic"))
	}
	for _, ef := range effects {
		switch ef.Kind {
		case dialogs.EffectForget:
			c.st.Chosen = nil
		case dialogs.EffectSubmit, dialogs.EffectHandoff:
			next, v, err = c.submit(next, ef.Submission)
			if err != nil {
				return err
			}
		}
	}
	c.st.Lang = next.Lang
	return c.show(next, v)
}

// submit stores the request (the chat is its way back, sealed) and steps
// the dialog on with the result.
func (c *conv) submit(sess dialogs.Session, sub *dialogs.Submission) (dialogs.Session, dialogs.View, error) {
	wijk := ""
	if c.b.cfg.Wijken != nil {
		wijk = c.b.cfg.Wijken.Lookup(sub.Postcode)
	}
	req := c.e.Request(sub, buurtloket.ChannelTelegram, wijk, routeOf(c.st.ChatID))
	rec, err := c.b.cfg.Store.Submit(c.ctx, req)
	result := dialogs.Input{Type: dialogs.InputResult, Ticket: rec.Ticket}
	if err != nil {
		c.b.cfg.Logger.Error("storing a request failed; the resident can try again", "code", buurtloket.ErrorCode(err), "error", err)
		result = dialogs.Input{Type: dialogs.InputResult, Failed: true}
		c.b.metrics.submitted.WithLabelValues("failed").Inc()
	} else {
		// Also when it is a retry (the answer did not go out the first
		// time): the chat must know its request.
		if !rec.Duplicate {
			c.b.metrics.submitted.WithLabelValues("stored").Inc()
		}
		c.remember(chatRequest{ID: rec.ID, Ticket: rec.Ticket, PIN: rec.PIN})
	}
	next, v, _, err := c.e.Step(sess, result)
	if err != nil {
		return sess, dialogs.View{}, err
	}
	if rec.Ticket != "" {
		v.Text = strings.TrimSpace(v.Text + "\n\n" + c.format("ui.bot.ticket", map[string]any{"Ticket": rec.Ticket, "PIN": rec.PIN}))
	}
	return next, v, nil
}

func (c *conv) remember(r chatRequest) {
	for _, have := range c.st.Requests {
		if have.ID == r.ID {
			return
		}
	}
	c.st.Requests = append(c.st.Requests, r)
	if len(c.st.Requests) > maxRequests {
		c.st.Requests = c.st.Requests[len(c.st.Requests)-maxRequests:]
	}
}

// show puts a view in the chat as a new question: the last one loses its
// buttons first, so that only the question on screen can be answered.
func (c *conv) show(sess dialogs.Session, v dialogs.View) error {
	data, err := dialogs.Encode(sess)
	if err != nil {
		return err
	}
	c.st.Session = data
	c.st.Lang = v.Lang
	c.st.Chosen = append([]string(nil), v.Chosen...)
	if err := c.closeQuestion(""); err != nil {
		return err
	}
	if c.st.Sharing && v.Expect != dialogs.ExpectContact {
		// The contact step is over (answered, or left): its button goes.
		// Only a message can take it away, and an inline keyboard cannot
		// ride with it: a check mark of its own.
		if _, err := c.send("✓", removeKeyboard{Remove: true}); err != nil {
			return err
		}
		c.st.Sharing = false
	}
	token := newToken()
	text, keyboard := c.render(v, token)
	id, err := c.send(text, keyboard)
	if err != nil {
		return err
	}
	c.st.Question, c.st.Asked, c.st.Token = id, text, token
	if v.Expect == dialogs.ExpectContact {
		// Telegram's share-contact button is a reply keyboard, which a
		// message with inline buttons cannot carry: it comes as a second
		// message.
		if _, err = c.send(c.text("ui.bot.contact.share_hint"), replyKeyboard{Keyboard: [][]replyButton{{{Text: c.text("ui.bot.contact.share"), RequestContact: true}}},
			OneTime: true, Resize: true}); err == nil {
			c.st.Sharing = true
		}
	}
	return err
}

// closeQuestion takes the buttons off the question on screen, and writes
// the chosen answer under it ("" for none), so that the chat reads as a
// record.
func (c *conv) closeQuestion(answer string) error {
	if c.st.Question == 0 {
		return nil
	}
	text := c.st.Asked
	if text == "" {
		text = "…"
	}
	if answer != "" {
		text += "\n\n✓ " + shorten(answer, 300)
	}
	text = shorten(text, maxText)
	_, err := c.b.api.EditMessageText(c.ctx, &tgbot.EditMessageTextParams{ChatID: c.st.ChatID, MessageID: c.st.Question, Text: text,
		ReplyMarkup: inlineKeyboard{Rows: [][]inlineButton{}}})
	c.b.apiResult("editMessageText", err)
	c.st.Question, c.st.Token = 0, ""
	if err != nil && transient(err) {
		return err
	}
	return nil // an old message that cannot be edited any more is no reason to stop
}

// typed handles typed text: an answer to the question on screen, a PIN, or
// a message for staff on a request.
func (c *conv) typed(text string) error {
	if strings.HasPrefix(c.st.Waiting, "pin:") {
		return c.followWithPIN(strings.TrimPrefix(c.st.Waiting, "pin:"), text)
	}
	sess, ok := c.session()
	if ok {
		v := view(c.e, sess)
		if v.Expect == dialogs.ExpectText || v.Expect == dialogs.ExpectContact {
			if v.Expect == dialogs.ExpectContact {
				return c.answerContact(typedContact(text), text)
			}
			if err := c.closeQuestion(text); err != nil {
				return err
			}
			return c.step(dialogs.Input{Type: dialogs.InputText, Text: text})
		}
		if v.Expect != dialogs.ExpectNothing {
			// The question on screen wants a button: say so once more.
			return c.say(c.text("ui.bot.use_buttons"))
		}
	}
	if len(c.openRequests()) > 0 {
		return c.toStaff(text)
	}
	return c.restart()
}

// contact takes a shared contact: the resident's own only.
func (c *conv) contact(m *models.Message) error {
	sess, ok := c.session()
	if !ok || view(c.e, sess).Expect != dialogs.ExpectContact {
		return c.say(c.text("ui.bot.unsupported"))
	}
	if m.From == nil || m.Contact.UserID != m.From.ID {
		return c.say(c.text("ui.bot.contact.not_yours"))
	}
	name := strings.TrimSpace(m.Contact.FirstName + " " + m.Contact.LastName)
	return c.answerContact(dialogs.Contact{Name: name, Phone: m.Contact.PhoneNumber}, name)
}

func (c *conv) answerContact(contact dialogs.Contact, shown string) error {
	if err := c.closeQuestion(shown); err != nil {
		return err
	}
	return c.step(dialogs.Input{Type: dialogs.InputContact, Contact: contact})
}

// press handles a button: the question on screen's, or an old one's,
// which is answered gracefully and changes nothing.
func (c *conv) press(q *models.CallbackQuery) error {
	if c.st.ChatID == 0 {
		c.st.ChatID = q.From.ID
	}
	c.chooseLanguage(q.From.LanguageCode)
	defer func() { c.st.Seen = time.Now().UTC() }()
	token, kind, arg := parseData(q.Data)
	if token == "" || token != c.st.Token {
		return c.answer(q.ID, c.text("ui.bot.old_button"))
	}
	if strings.HasPrefix(c.st.Waiting, "pin:") {
		c.st.Waiting = "" // a button ends waiting for a PIN
	}
	if err := c.answer(q.ID, ""); err != nil {
		return err
	}
	sess, ok := c.session()
	if !ok && kind != "l" && kind != "f" && kind != "x" && kind != "r" {
		return c.restart()
	}
	var v dialogs.View
	if ok {
		v = view(c.e, sess)
	}
	switch kind {
	case "o": // an option
		opt, ok := optionAt(v, arg)
		if !ok {
			return nil
		}
		if err := c.closeQuestion(opt.Label); err != nil {
			return err
		}
		if v.Emergency && opt.ID == dialogs.OptionClose {
			return c.step(dialogs.Input{Type: dialogs.InputClose})
		}
		return c.step(dialogs.Input{Type: dialogs.InputChoose, Choice: opt.ID})
	case "m": // tick or untick on a multi step
		opt, ok := optionAt(v, arg)
		if !ok {
			return nil
		}
		c.st.Chosen = toggle(c.st.Chosen, opt, v.Options)
		v.Chosen = c.st.Chosen
		text, keyboard := c.render(v, c.st.Token)
		_, err := c.b.api.EditMessageText(c.ctx, &tgbot.EditMessageTextParams{ChatID: c.st.ChatID, MessageID: c.st.Question, Text: text, ReplyMarkup: keyboard})
		c.b.apiResult("editMessageText", err)
		if err != nil && transient(err) {
			return err
		}
		return nil
	case "c": // continue on a multi step
		if len(c.st.Chosen) == 0 {
			return c.say(c.text("ui.bot.choose_one"))
		}
		if err := c.closeQuestion(labels(v, c.st.Chosen)); err != nil {
			return err
		}
		return c.step(dialogs.Input{Type: dialogs.InputChoose, Choices: c.st.Chosen})
	case "s":
		if err := c.closeQuestion(c.e.Content().UI(c.lang()).Skip); err != nil {
			return err
		}
		return c.step(dialogs.Input{Type: dialogs.InputSkip})
	case "h": // change an answer on the confirm step
		i := atoi(arg)
		if i < 0 || i >= len(v.Summary) {
			return nil
		}
		if err := c.closeQuestion(""); err != nil {
			return err
		}
		return c.step(dialogs.Input{Type: dialogs.InputChange, Step: v.Summary[i].Step})
	case "v": // the question read aloud
		return c.voice(v)
	case "g": // a global action
		in, ok := globalInput(arg)
		if !ok {
			return nil
		}
		if in.Type == dialogs.InputLanguage {
			return c.askLanguage()
		}
		if err := c.closeQuestion(""); err != nil {
			return err
		}
		return c.step(in)
	case "l": // a language
		if _, ok := c.e.Content().Catalog.Language(arg); !ok {
			return nil
		}
		c.st.Lang = arg
		if err := c.closeQuestion(c.languageName(arg)); err != nil {
			return err
		}
		if !ok {
			return c.restart()
		}
		return c.step(dialogs.Input{Type: dialogs.InputLanguage, Lang: arg})
	case "f": // forget everything, confirmed
		return c.forget()
	case "x": // forget nothing
		return c.closeQuestion(c.text("ui.bot.forget.no"))
	case "r": // which request a message is for
		return c.toStaffOn(arg)
	}
	return nil
}

// say sends a plain message; the question on screen stays.
func (c *conv) say(text string) error {
	_, err := c.send(text, nil)
	return err
}

func (c *conv) send(text string, markup any) (int, error) {
	return c.sendMessage(c.st.ChatID, text, markup)
}

func (c *conv) sendTo(chat int64, text string, markup any) error {
	_, err := c.sendMessage(chat, text, markup)
	return err
}

// sendMessage sends a message; an error the Bot API gives for this chat
// (blocked, gone) is logged and counts as done, an outage is returned.
func (c *conv) sendMessage(chat int64, text string, markup any) (int, error) {
	p := &tgbot.SendMessageParams{ChatID: chat, Text: shorten(text, maxText)}
	if markup != nil {
		p.ReplyMarkup = markup
	}
	m, err := c.b.api.SendMessage(c.ctx, p)
	c.b.apiResult("sendMessage", err)
	if err != nil {
		if transient(err) {
			return 0, err
		}
		c.b.cfg.Logger.Warn("a message was refused by the Bot API", "error", err.Error())
		return 0, nil
	}
	return m.ID, nil
}

// voice sends the question on screen as a voice message. Speech that
// cannot be made is said in words; the chat goes on either way.
func (c *conv) voice(v dialogs.View) error {
	sp := c.b.cfg.Speech
	if sp == nil {
		return nil
	}
	file, err := sp.Audio(c.ctx, v.Lang, shorten(spoken(v), speech.MaxText))
	if err != nil {
		c.b.cfg.Logger.Warn("the question could not be read aloud", "error", err.Error())
		return c.say(c.text("ui.error.generic"))
	}
	f, err := os.Open(file)
	if err != nil {
		return c.say(c.text("ui.error.generic"))
	}
	defer f.Close()
	_, err = c.b.api.SendVoice(c.ctx, &tgbot.SendVoiceParams{ChatID: c.st.ChatID, Voice: &models.InputFileUpload{Filename: "vraag.mp3", Data: f}})
	c.b.apiResult("sendVoice", err)
	if err != nil && transient(err) {
		return err
	}
	return nil
}

func (c *conv) answer(id, text string) error {
	_, err := c.b.api.AnswerCallbackQuery(c.ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
	c.b.apiResult("answerCallbackQuery", err)
	if err != nil && transient(err) {
		return err
	}
	return nil
}

func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return "tg-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// newToken is a question's step token: short, and new for every question.
func newToken() string {
	var b [5]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// view is what the session shows now.
func view(e *dialogs.Engine, s dialogs.Session) dialogs.View {
	_, v, _ := e.Resume(s)
	return v
}

// maxText is the longest message the bot sends: Telegram takes 4,096
// UTF-16 units, and an emoji takes two.
const maxText = 2000

// shorten cuts text to at most n characters (runes), with an ellipsis:
// a long answer in a record or a summary need not be shown whole.
func shorten(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n-1]) + "…"
}
