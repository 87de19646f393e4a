// Package bottest is a fake Telegram Bot API server for the bot's tests:
// it reads requests the way the real server does (the library sends
// multipart form data; a plain poller may send JSON), checks them as
// strictly as Telegram (a message's text, a button's callback data), keeps
// every chat's messages with their keyboards, serves getUpdates, and can
// be told to fail a method (429 with retry_after, 403 for a blocked bot,
// 5xx).
package bottest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Token is the bot token the fake server takes.
const Token = "123456:TEST-token"

// Username is the bot's username (getMe).
const Username = "buurtloket_test_bot"

// Message is one message of the bot in a chat, as it stands (edits
// applied).
type Message struct {
	ID       int
	Text     string
	Keyboard [][]Button // inline keyboard; nil: none
	Reply    [][]Button // reply keyboard (a share-contact button); nil: none
	Removes  bool       // takes the reply keyboard away (remove_keyboard)
	Voice    int        // a voice message: its audio's size in bytes
	Edits    int
}

// Button is a button of a keyboard.
type Button struct {
	Text           string `json:"text"`
	CallbackData   string `json:"callback_data,omitempty"`
	RequestContact bool   `json:"request_contact,omitempty"`
}

// Call is one call the server took.
type Call struct {
	Method string
	Fields map[string]string
}

// Server is the fake Bot API.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	nextID   int
	chats    map[int64][]*Message
	answers  map[string]string // callback query ID → the text answered
	calls    []Call
	failures []*failure
	updates  []json.RawMessage // for getUpdates
	offset   int64             // the highest offset a getUpdates confirmed
	changed  chan struct{}     // closed and renewed at every change
	onSend   func(chat int64)
	webhook  struct{ url, secret string }
}

type failure struct {
	method     string
	chat       int64 // 0: any
	code       int
	desc       string
	retryAfter int
	times      int // -1: until cleared
}

// New starts a fake server; the test's end closes it.
func New(t interface {
	Cleanup(func())
	Helper()
}) *Server {
	t.Helper()
	s := &Server{chats: map[int64][]*Message{}, answers: map[string]string{}, changed: make(chan struct{}), nextID: 100}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next times calls of method (for chat, or any when 0)
// fail with code and description; times -1 fails until Clear.
func (s *Server) Fail(method string, chat int64, code int, desc string, retryAfter, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{method, chat, code, desc, retryAfter, times})
}

// Clear ends every failure.
func (s *Server) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// Reset forgets every chat, call and answer the server kept (a benchmark
// that measures memory leaves out the fake's).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chats, s.calls, s.answers = map[int64][]*Message{}, nil, map[string]string{}
}

// Messages returns a copy of the bot's messages in chat, oldest first.
func (s *Server) Messages(chat int64) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.chats[chat] {
		out = append(out, *m)
	}
	return out
}

// Calls returns the calls of method so far.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Answer returns how a callback query was answered, and whether it was.
func (s *Server) Answer(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok := s.answers[id]
	return text, ok
}

// Webhook returns the URL and secret the bot registered.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.url, s.webhook.secret
}

// Queue adds an update for getUpdates.
func (s *Server) Queue(update []byte) {
	s.mu.Lock()
	s.updates = append(s.updates, update)
	s.changedLocked()
	s.mu.Unlock()
}

// OnSend has fn hear of every message sent, before the sender gets its
// answer: benchmarks time answers by it, and a test may hold a sender
// there (fn runs outside the server's lock).
func (s *Server) OnSend(fn func(chat int64)) {
	s.mu.Lock()
	s.onSend = fn
	s.mu.Unlock()
}

// Confirmed is the offset the last getUpdates gave: the updates before it
// are confirmed, and Telegram forgets them.
func (s *Server) Confirmed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// WaitFor waits until cond holds (checked at every change), or fails
// after d.
func (s *Server) WaitFor(d time.Duration, cond func() bool) bool {
	deadline := time.After(d)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return cond()
		}
	}
}

func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+Token+"/")
	if !ok || r.Method != http.MethodPost {
		reply(w, nil, &apiError{code: 404, desc: "Not Found"})
		return
	}
	fields, err := readFields(r)
	if err != nil {
		reply(w, nil, &apiError{code: 400, desc: "Bad Request: " + err.Error()})
		return
	}
	if method == "getUpdates" {
		s.getUpdates(w, fields)
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: method, Fields: fields})
	result, apiErr := s.call(method, fields)
	s.changedLocked()
	onSend := s.onSend
	s.mu.Unlock()
	if chat, _ := strconv.ParseInt(fields["chat_id"], 10, 64); method == "sendMessage" && apiErr == nil && onSend != nil {
		onSend(chat) // outside the lock: a hook may wait
	}
	reply(w, result, apiErr)
}

// readFields reads a request's parameters: multipart form data (as the
// library sends them), a URL-encoded form, or a JSON object.
func readFields(r *http.Request) (map[string]string, error) {
	fields := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		// Read part by part, as the parts come: the Bot API's fields are
		// small (a file part would be a field too, for this fake).
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, err
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break // the end; at once for a method without parameters (getMe)
			}
			if err != nil {
				return nil, err
			}
			value, err := io.ReadAll(io.LimitReader(part, 1<<20))
			if err != nil {
				return nil, err
			}
			if name := part.FormName(); name != "" {
				if _, seen := fields[name]; !seen {
					fields[name] = string(value)
				}
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			fields[k] = v[0]
		}
	case "application/json":
		var m map[string]json.RawMessage
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if len(body) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				fields[k] = str
			} else {
				fields[k] = string(v)
			}
		}
	case "":
	default:
		return nil, fmt.Errorf("unsupported content type %q", ct)
	}
	return fields, nil
}

func reply(w http.ResponseWriter, result any, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	if e != nil {
		body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
		if e.retryAfter > 0 {
			body["parameters"] = map[string]int{"retry_after": e.retryAfter}
		}
		w.WriteHeader(e.code)
		json.NewEncoder(w).Encode(body)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func (s *Server) failing(method string, chat int64) *apiError {
	for _, f := range s.failures {
		if f.method == method && (f.chat == 0 || f.chat == chat) && f.times != 0 {
			if f.times > 0 {
				f.times--
			}
			return &apiError{code: f.code, desc: f.desc, retryAfter: f.retryAfter}
		}
	}
	return nil
}

func (s *Server) call(method string, f map[string]string) (any, *apiError) {
	chat, _ := strconv.ParseInt(f["chat_id"], 10, 64)
	if e := s.failing(method, chat); e != nil {
		return nil, e
	}
	switch method {
	case "getMe":
		return map[string]any{"id": 123456, "is_bot": true, "first_name": "Buurtloket", "username": Username}, nil
	case "setMyCommands", "deleteWebhook", "sendChatAction":
		return true, nil
	case "setWebhook":
		s.webhook.url, s.webhook.secret = f["url"], f["secret_token"]
		return true, nil
	case "answerCallbackQuery":
		if f["callback_query_id"] == "" {
			return nil, &apiError{code: 400, desc: "Bad Request: query is too old or query ID is invalid"}
		}
		s.answers[f["callback_query_id"]] = f["text"]
		return true, nil
	case "sendVoice":
		// A voice message must be OGG with Opus, MP3 or M4A; this fake
		// takes MP3 (what buurtloket sends) and OGG.
		voice := f["voice"]
		if chat == 0 {
			return nil, &apiError{code: 400, desc: "Bad Request: chat not found"}
		}
		if len(voice) < 4 || !(strings.HasPrefix(voice, "ID3") || strings.HasPrefix(voice, "OggS") || voice[0] == '\xff' && voice[1]&0xE0 == 0xE0) {
			return nil, &apiError{code: 400, desc: "Bad Request: wrong file type of the voice"}
		}
		s.nextID++
		m := &Message{ID: s.nextID, Voice: len(voice)}
		s.chats[chat] = append(s.chats[chat], m)
		return map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "voice": map[string]any{"file_id": "v", "file_unique_id": "v", "duration": 1}}, nil
	case "sendMessage":
		if chat == 0 {
			return nil, &apiError{code: 400, desc: "Bad Request: chat not found"}
		}
		m := &Message{}
		if e := fill(m, f); e != nil {
			return nil, e
		}
		s.nextID++
		m.ID = s.nextID
		s.chats[chat] = append(s.chats[chat], m)
		return map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": m.Text}, nil
	case "editMessageText", "editMessageReplyMarkup":
		id, _ := strconv.Atoi(f["message_id"])
		for _, m := range s.chats[chat] {
			if m.ID != id {
				continue
			}
			if method == "editMessageReplyMarkup" {
				f["text"] = m.Text
			}
			edited := &Message{ID: id, Edits: m.Edits + 1}
			if e := fill(edited, f); e != nil {
				return nil, e
			}
			if edited.Text == m.Text && keyboardJSON(edited.Keyboard) == keyboardJSON(m.Keyboard) {
				return nil, &apiError{code: 400, desc: "Bad Request: message is not modified"}
			}
			*m = *edited
			return map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": m.Text}, nil
		}
		return nil, &apiError{code: 400, desc: "Bad Request: message to edit not found"}
	}
	return nil, &apiError{code: 404, desc: "Not Found: method " + method}
}

func keyboardJSON(k [][]Button) string { b, _ := json.Marshal(k); return string(b) }

// fill reads a message's text and keyboard, checked as Telegram checks
// them.
func fill(m *Message, f map[string]string) *apiError {
	m.Text = f["text"]
	if strings.TrimSpace(m.Text) == "" {
		return &apiError{code: 400, desc: "Bad Request: message text is empty"}
	}
	if utf8.RuneCountInString(m.Text) > 4096 || !utf8.ValidString(m.Text) {
		return &apiError{code: 400, desc: "Bad Request: message is too long"}
	}
	if f["parse_mode"] != "" {
		return &apiError{code: 400, desc: "Bad Request: the bot sends plain text only"} // this fake's own rule: nothing is markup
	}
	raw := f["reply_markup"]
	if raw == "" {
		return nil
	}
	var markup struct {
		Inline [][]map[string]json.RawMessage `json:"inline_keyboard"`
		Reply  [][]map[string]json.RawMessage `json:"keyboard"`
		Remove bool                           `json:"remove_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &markup); err != nil {
		return &apiError{code: 400, desc: "Bad Request: can't parse reply keyboard markup JSON object"}
	}
	for _, row := range markup.Inline {
		var out []Button
		for _, raw := range row {
			if ct, ok := raw["copy_text"]; ok {
				var c struct{ Text string }
				if json.Unmarshal(ct, &c) != nil || c.Text == "" {
					return &apiError{code: 400, desc: "Bad Request: BUTTON_COPY_TEXT_INVALID"}
				}
			}
			var b Button
			all, _ := json.Marshal(raw)
			json.Unmarshal(all, &b)
			if b.Text == "" {
				return &apiError{code: 400, desc: "Bad Request: text buttons are unallowed in the inline keyboard"}
			}
			if n := len(b.CallbackData); n < 1 || n > 64 {
				return &apiError{code: 400, desc: "Bad Request: BUTTON_DATA_INVALID"}
			}
			out = append(out, b)
		}
		m.Keyboard = append(m.Keyboard, out)
	}
	for _, row := range markup.Reply {
		var out []Button
		for _, raw := range row {
			var b Button
			all, _ := json.Marshal(raw)
			json.Unmarshal(all, &b)
			out = append(out, b)
		}
		m.Reply = append(m.Reply, out)
	}
	m.Removes = markup.Remove
	return nil
}

// ReplyKeyboard is the reply keyboard the chat shows now (the last one
// sent and not taken away since), or nil.
func (s *Server) ReplyKeyboard(chat int64) [][]Button {
	msgs := s.Messages(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		switch {
		case msgs[i].Removes:
			return nil
		case msgs[i].Reply != nil:
			return msgs[i].Reply
		}
	}
	return nil
}

// getUpdates serves the queued updates from offset on, waiting up to
// timeout seconds (at most 2 here) when there are none.
func (s *Server) getUpdates(w http.ResponseWriter, f map[string]string) {
	offset, _ := strconv.ParseInt(f["offset"], 10, 64)
	timeout, _ := strconv.Atoi(f["timeout"])
	deadline := time.Now().Add(time.Duration(min(timeout, 2)) * time.Second)
	for {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: "getUpdates", Fields: f})
		if e := s.failing("getUpdates", 0); e != nil {
			s.mu.Unlock()
			reply(w, nil, e)
			return
		}
		if offset > s.offset {
			s.offset = offset
		}
		var out []json.RawMessage
		for _, u := range s.updates {
			var head struct {
				ID int64 `json:"update_id"`
			}
			json.Unmarshal(u, &head)
			if head.ID >= offset {
				out = append(out, u)
			}
		}
		ch := s.changed
		s.mu.Unlock()
		if len(out) > 0 || time.Now().After(deadline) {
			if out == nil {
				out = []json.RawMessage{}
			}
			reply(w, out, nil)
			return
		}
		select {
		case <-ch:
		case <-time.After(time.Until(deadline)):
		}
	}
}

// Updates, as Telegram sends them.

// User is who writes in a private chat.
type User struct {
	ID   int64
	Lang string // Telegram's language_code
}

func (u User) from() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": "Bewoner"}
	if u.Lang != "" {
		m["language_code"] = u.Lang
	}
	return m
}

func (u User) chat() map[string]any {
	return map[string]any{"id": u.ID, "type": "private", "first_name": "Bewoner"}
}

func encode(v any) []byte { b, _ := json.Marshal(v); return b }

// TextUpdate is a text message from u.
func TextUpdate(id int64, u User, text string) []byte {
	return encode(map[string]any{"update_id": id, "message": map[string]any{"message_id": id, "date": time.Now().Unix(), "from": u.from(), "chat": u.chat(), "text": text}})
}

// PressUpdate is u pressing the button with data under message.
func PressUpdate(id int64, u User, message int, data string) []byte {
	return encode(map[string]any{"update_id": id, "callback_query": map[string]any{"id": "q" + strconv.FormatInt(id, 10), "from": u.from(), "data": data,
		"chat_instance": "1", "message": map[string]any{"message_id": message, "date": time.Now().Unix(), "chat": u.chat(), "text": "…"}}})
}

// ContactUpdate is u sharing a contact: their own when owner is u.ID.
func ContactUpdate(id int64, u User, owner int64, name, phone string) []byte {
	return encode(map[string]any{"update_id": id, "message": map[string]any{"message_id": id, "date": time.Now().Unix(), "from": u.from(), "chat": u.chat(),
		"contact": map[string]any{"phone_number": phone, "first_name": name, "user_id": owner}}})
}

// MessageUpdate is a message from u with the given extra fields (a photo,
// a sticker, a location …).
func MessageUpdate(id int64, u User, extra map[string]any) []byte {
	m := map[string]any{"message_id": id, "date": time.Now().Unix(), "from": u.from(), "chat": u.chat()}
	for k, v := range extra {
		m[k] = v
	}
	return encode(map[string]any{"update_id": id, "message": m})
}

// GroupUpdate is a text message in a group chat.
func GroupUpdate(id int64, u User, group int64, text string) []byte {
	return encode(map[string]any{"update_id": id, "message": map[string]any{"message_id": id, "date": time.Now().Unix(), "from": u.from(),
		"chat": map[string]any{"id": group, "type": "group", "title": "Buren"}, "text": text}})
}
