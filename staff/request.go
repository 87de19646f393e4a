package staff

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"strings"

	"buurtloket"
)

// The request page: what the resident asked, the thread, notes, status,
// assignment, the due time and the audit trail; and what staff do there.

// requestOf reads the request named in the path.
func (s *Server) requestOf(w http.ResponseWriter, r *http.Request, q *request) (*buurtloket.Request, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, q, http.StatusNotFound, "staff.error.not_found")
		return nil, false
	}
	req, err := s.cfg.Store.Request(r.Context(), id)
	if err != nil {
		s.storeFailed(w, r, q, err)
		return nil, false
	}
	return req, true
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, q *request) {
	req, ok := s.requestOf(w, r, q)
	if !ok {
		return
	}
	s.renderRequest(w, r, q, http.StatusOK, req, nil)
}

// line is a line of the summary (dialogs.Engine.Summary), with free text
// set apart: it is shown as the resident wrote it, isolated, in its own
// direction.
type line struct {
	Label, Free, After string
}

// summaryLines splits a summary into its lines: two about the request,
// then one per answer, each starting with "· ". Free text stands in
// quotes and may run over several lines, each after the first indented
// by two spaces: such a line belongs to the answer before it.
func summaryLines(summary string) []line {
	var raw []string
	for i, l := range strings.Split(strings.TrimRight(summary, "\n"), "\n") {
		if i >= 2 && len(raw) > 2 && (strings.HasPrefix(l, "  ") || !strings.HasPrefix(l, "· ")) {
			raw[len(raw)-1] += "\n" + strings.TrimPrefix(l, "  ")
			continue
		}
		raw = append(raw, l)
	}
	var out []line
	for _, l := range raw {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if i, j := strings.Index(l, `"`), strings.LastIndex(l, `"`); i >= 0 && j > i {
			out = append(out, line{Label: l[:i], Free: l[i+1 : j], After: l[j+1:]})
			continue
		}
		out = append(out, line{Label: l})
	}
	return out
}

// entry is a thread message, a note or an audit entry, with the name of
// who wrote or did it, and what it records (an audit entry) or how far it
// came (a staff message).
type entry struct {
	Who, What string
	Item      any
}

func (s *Server) renderRequest(w http.ResponseWriter, r *http.Request, q *request, status int, req *buurtloket.Request, extra map[string]any) {
	ctx := r.Context()
	thread, err := s.cfg.Store.Thread(ctx, req.ID)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	notes, err := s.cfg.Store.Notes(ctx, req.ID)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	trail, err := s.cfg.Store.Audit(ctx, req.ID)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	names, accounts, err := s.names(ctx, q.lang)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	var msgs, ns, audit []entry
	for _, m := range thread {
		msgs = append(msgs, entry{Who: names(m.Staff), What: s.deliveryText(q.lang, req.Channel, m), Item: m})
	}
	for _, n := range notes {
		ns = append(ns, entry{Who: names(n.Staff), Item: n})
	}
	for _, a := range trail {
		audit = append(audit, entry{Who: names(a.Actor), What: s.auditText(q.lang, a, names), Item: a})
	}
	var next []buurtloket.Status
	for _, st := range buurtloket.Statuses {
		if req.Status.CanBecome(st) {
			next = append(next, st)
		}
	}
	// Canned replies for this request's topic, in Dutch for staff; the
	// thread names the one each reply was made from.
	content := s.cfg.Content()
	type canned struct{ ID, Title, Text string }
	var replies []canned
	titles := map[string]canned{}
	for _, c := range content.Replies() {
		dutch := canned{c.ID, content.Catalog.Text("nl", c.Title), content.Catalog.Format("nl", c.Text, nil)}
		titles[c.ID] = dutch
		if c.For(req.Topic) {
			replies = append(replies, dutch)
		}
	}
	now := s.cfg.Now()
	data := map[string]any{
		"Replies": replies, "Canned": titles,
		"Request": req, "Lines": summaryLines(req.Summary), "Thread": msgs, "Notes": ns, "Audit": audit,
		"Next": next, "Accounts": accounts, "Assignee": names(req.AssignedTo),
		"Overdue": req.Overdue(now),
		"Locked":  req.PINLock.Locked(now) || req.PINLock.StaffOnly,
		"Dutch":   req.Lang == "nl", "Mine": req.AssignedTo == q.account.Actor(),
		"DraftFor": "", // a refused reply or note: which box gets Draft back
		"LangName": s.langName(q.lang, req.Lang),
		"Newest":   "", // the thread's newest message, for the reply forms (StaffReply)
	}
	if len(thread) > 0 {
		data["Newest"] = strconv.FormatInt(thread[len(thread)-1].ID, 10)
	}
	for k, v := range extra {
		data[k] = v
	}
	s.render(w, q, status, "request", data)
}

// langName names a resident's language for staff: in the console's
// texts, or else (a language added to the content, not yet to the
// console) by its own name and code, never as a message ID.
func (s *Server) langName(lang, code string) string {
	if id := "staff.lang." + code; s.cfg.Texts.Has(id) {
		return s.cfg.Texts.Text(lang, id)
	}
	if l, ok := s.cfg.Content().Catalog.Language(code); ok {
		return l.Name + " (" + code + ")"
	}
	return code
}

// names returns a function that names an actor for staff in lang
// ("staff:ID" is the account's name; "resident", "system", "admin" and
// "kiosk" are messages), and the active accounts, for assigning.
func (s *Server) names(ctx context.Context, lang string) (func(string) string, []*buurtloket.Account, error) {
	list, err := s.cfg.Store.Accounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[int64]string{}
	var active []*buurtloket.Account
	for _, a := range list {
		byID[a.ID] = a.Name
		if !a.Disabled {
			active = append(active, a)
		}
	}
	return func(actor string) string {
		if id, ok := buurtloket.AccountOfActor(actor); ok {
			if name, ok := byID[id]; ok {
				return name
			}
		}
		if id := "staff.actor." + actor; s.cfg.Texts.Has(id) {
			return s.cfg.Texts.Text(lang, id)
		}
		return actor
	}, active, nil
}

// act runs a change on the request of the path and shows the page again.
func (s *Server) act(w http.ResponseWriter, r *http.Request, q *request, change func(req *buurtloket.Request) error) {
	req, ok := s.requestOf(w, r, q)
	if !ok {
		return
	}
	if err := change(req); err != nil {
		switch buurtloket.ErrorCode(err) {
		case buurtloket.EINVALID, buurtloket.ECONFLICT, buurtloket.ETOOLARGE, buurtloket.ELIMITED:
			// What was typed stays in its box, to send again or copy.
			s.renderRequest(w, r, q, http.StatusUnprocessableEntity, req, map[string]any{"Problem": buurtloket.ErrorCode(err),
				"DraftFor": path.Base(r.URL.Path), "Draft": r.PostForm.Get("body")})
		default:
			s.storeFailed(w, r, q, err)
		}
		return
	}
	http.Redirect(w, r, "/staff/requests/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		if req.Lang != "nl" && r.PostForm.Get("language_seen") != "yes" {
			return buurtloket.Errorf(buurtloket.EINVALID, "free text to a resident who reads another language needs the box ticked")
		}
		_, _, err := s.cfg.Store.StaffReply(r.Context(), req.ID, q.account.Actor(), "", r.PostForm.Get("body"), newest(r))
		return err
	})
}

// newest is the thread's newest message as the page with the form showed
// it (0: none, or a form from before this field): the store sends the
// same form once (buurtloket.ThreadStore.StaffReply).
func newest(r *http.Request) int64 {
	n, _ := strconv.ParseInt(r.PostForm.Get("newest"), 10, 64)
	return n
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		_, err := s.cfg.Store.AddNote(r.Context(), req.ID, q.account.Actor(), r.PostForm.Get("body"))
		return err
	})
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		return s.cfg.Store.SetStatus(r.Context(), req.ID, q.account.Actor(), buurtloket.Status(r.PostForm.Get("status")))
	})
}

func (s *Server) claim(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		return s.cfg.Store.Assign(r.Context(), req.ID, q.account.Actor(), q.account.Actor())
	})
}

// assign gives the request to an active account, or to nobody ("").
func (s *Server) assign(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		to := r.PostForm.Get("to")
		if to != "" {
			id, ok := buurtloket.AccountOfActor(to)
			if !ok {
				return buurtloket.Errorf(buurtloket.EINVALID, "no such account")
			}
			a, err := s.cfg.Store.Account(r.Context(), id)
			if err != nil || a.Disabled {
				return buurtloket.Errorf(buurtloket.EINVALID, "no such account")
			}
		}
		return s.cfg.Store.Assign(r.Context(), req.ID, q.account.Actor(), to)
	})
}

// unlock lifts a ticket's PIN lock, for a resident who asked staff.
func (s *Server) unlock(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		return s.cfg.Store.UnlockPIN(r.Context(), req.ID, q.account.Actor())
	})
}

// showContact opens a named request's contact details: the store records
// who looked before it hands them out. They are shown on this response
// only, never kept in the page's address or a cookie.
func (s *Server) showContact(w http.ResponseWriter, r *http.Request, q *request) {
	req, ok := s.requestOf(w, r, q)
	if !ok {
		return
	}
	c, err := s.cfg.Store.Contact(r.Context(), req.ID, q.account.Actor())
	if err != nil {
		s.storeFailed(w, r, q, err)
		return
	}
	s.renderRequest(w, r, q, http.StatusOK, req, map[string]any{"Contact": c})
}

// cannedReply sends a canned reply, in the resident's language, with the
// facts filled in.
func (s *Server) cannedReply(w http.ResponseWriter, r *http.Request, q *request) {
	s.act(w, r, q, func(req *buurtloket.Request) error {
		content := s.cfg.Content()
		c := content.Reply(r.PostForm.Get("reply"))
		if c == nil || !c.For(req.Topic) {
			return buurtloket.Errorf(buurtloket.EINVALID, "no such canned reply for this request")
		}
		text := keepNumbersInOrder.Replace(content.Catalog.Format(req.Lang, c.Text, nil))
		_, _, err := s.cfg.Store.StaffReply(r.Context(), req.ID, q.account.Actor(), c.ID, text, newest(r))
		return err
	})
}

// keepNumbersInOrder turns the left-to-right isolates around a phone
// number in a right-to-left text (which the message files must have, and
// which every stored text loses: buurtloket.CleanText) into left-to-right
// marks, which a stored text keeps. A mark before "010 20 45 100" in
// Arabic keeps its groups in order; without one they show as
// "100 45 20 010".
var keepNumbersInOrder = strings.NewReplacer("\u2066", "\u200e", "\u2069", "\u200e")
