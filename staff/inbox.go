package staff

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"buurtloket"
)

// inbox lists requests, most urgent first, with filters (each with its
// count) and pages. Every filter comes from the address, and is checked:
// one that names nothing known is refused with a clear message.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, q *request) {
	query, filter, ok := inboxQuery(r.URL.Query(), q.account)
	if !ok {
		s.fail(w, r, q, http.StatusBadRequest, "staff.inbox.bad_filter")
		return
	}
	page, err := s.cfg.Store.Inbox(r.Context(), query)
	if code := buurtloket.ErrorCode(err); code == buurtloket.EINVALID {
		s.fail(w, r, q, http.StatusBadRequest, "staff.inbox.bad_filter")
		return
	} else if err != nil {
		s.internal(w, r, q, err)
		return
	}
	counts, err := s.cfg.Store.InboxCounts(r.Context(), q.account.Actor())
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	names, _, err := s.names(r.Context(), q.lang)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	type row struct {
		*buurtloket.Request
		Assignee string
		Overdue  bool
	}
	// Whose requests: every colleague with open requests, by name, for a
	// team lead who shares out the work of someone away.
	type load struct {
		Actor, Name string
		Open        int
	}
	var team []load
	for actor, n := range counts.Assigned {
		if actor != "" {
			team = append(team, load{actor, names(actor), n})
		}
	}
	slices.SortFunc(team, func(a, b load) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Actor, b.Actor)) })
	now := s.cfg.Now()
	var rows []row
	for _, req := range page.Requests {
		rows = append(rows, row{req, names(req.AssignedTo), req.Overdue(now)})
	}
	data := map[string]any{"Requests": rows, "Counts": counts, "Filter": filter, "Team": team, "Topics": buurtloket.Topics,
		"Statuses": buurtloket.Statuses, "Channels": []buurtloket.Channel{buurtloket.ChannelKiosk, buurtloket.ChannelWeb, buurtloket.ChannelTelegram}}
	if page.Next != nil {
		next := filter.values()
		next.Set("after", cursorString(page.Next))
		data["NextPage"] = "/staff/?" + next.Encode()
	}
	if query.After != nil {
		data["FirstPage"] = "/staff/?" + filter.values().Encode()
	}
	data["Link"] = func(key, value string) string { return "/staff/?" + filter.with(key, value).Encode() }
	s.render(w, q, http.StatusOK, "inbox", data)
}

// find opens the request whose ticket code a resident reads out (on the
// phone, at the desk), typed as people type it: with or without the dash,
// in any case. A code that names no request says so, with the code as
// typed, and the search form again. It is a form post, so that no code
// stands in an address (a proxy's log, the browser's history).
func (s *Server) find(w http.ResponseWriter, r *http.Request, q *request) {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	if len(code) > maxCodeInput {
		code = ""
	}
	req, err := s.cfg.Store.RequestByCode(r.Context(), code)
	if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
		s.render(w, q, http.StatusNotFound, "find", map[string]any{"Code": code})
		return
	} else if err != nil {
		s.internal(w, r, q, err)
		return
	}
	http.Redirect(w, r, "/staff/requests/"+strconv.FormatInt(req.ID, 10), http.StatusSeeOther)
}

// maxCodeInput bounds what the search takes: a code is 8 characters, and
// a few more for spaces and a dash.
const maxCodeInput = 32

// noWijk in the address filters on requests without a neighbourhood.
const noWijk = "-"

// inboxFilter is the inbox's filter as the address has it.
type inboxFilter struct {
	Status, Topic, Wijk, Channel, Show string // Show: "", mine, unassigned, overdue
	Assignee                           string // an account's actor: whose requests (a team lead's view)
}

func (f inboxFilter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": f.Status, "topic": f.Topic, "wijk": f.Wijk, "channel": f.Channel, "show": f.Show, "assignee": f.Assignee} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// with is the filter with key set to value ("" clears it); a value that is
// set already clears it, so that a second click on a filter removes it.
func (f inboxFilter) with(key, value string) url.Values {
	v := f.values()
	if v.Get(key) == value {
		value = ""
	}
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	// Whose requests, mine and nobody's exclude each other: the newest wins.
	if key == "assignee" && value != "" && (v.Get("show") == "mine" || v.Get("show") == "unassigned") {
		v.Del("show")
	}
	if key == "show" && (value == "mine" || value == "unassigned") {
		v.Del("assignee")
	}
	return v
}

// inboxQuery reads and checks the filter of the address.
func inboxQuery(v url.Values, a *buurtloket.Account) (buurtloket.InboxQuery, inboxFilter, bool) {
	f := inboxFilter{Status: v.Get("status"), Topic: v.Get("topic"), Wijk: v.Get("wijk"), Channel: v.Get("channel"), Show: v.Get("show"), Assignee: v.Get("assignee")}
	q := buurtloket.InboxQuery{Limit: 50, Topic: buurtloket.Topic(f.Topic), Wijk: f.Wijk, Channel: buurtloket.Channel(f.Channel)}
	if f.Wijk == noWijk {
		q.Wijk, q.NoWijk = "", true
	}
	if f.Status != "" {
		st := buurtloket.Status(f.Status)
		if !st.Valid() {
			return q, f, false
		}
		q.Statuses = []buurtloket.Status{st}
	}
	if f.Channel != "" && !q.Channel.Valid() {
		return q, f, false
	}
	if f.Assignee != "" {
		if _, ok := buurtloket.AccountOfActor(f.Assignee); !ok || f.Show == "mine" || f.Show == "unassigned" {
			return q, f, false
		}
		q.Assigned = f.Assignee
	}
	switch f.Show {
	case "":
	case "mine":
		q.Assigned = a.Actor()
	case "unassigned":
		q.Unassigned = true
	case "overdue":
		q.Overdue = true
	default:
		return q, f, false
	}
	if after := v.Get("after"); after != "" {
		c, ok := parseCursor(after)
		if !ok {
			return q, f, false
		}
		q.After = c
	}
	return q, f, true
}

// A page's cursor in the address: rank, due time (Unix ms) and ID.
func cursorString(c *buurtloket.InboxCursor) string {
	return strconv.Itoa(c.Rank) + "." + strconv.FormatInt(c.DueAt.UnixMilli(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

func parseCursor(s string) (*buurtloket.InboxCursor, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, false
	}
	rank, err1 := strconv.Atoi(parts[0])
	due, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || due <= 0 || id <= 0 || rank < 0 || rank > 10 {
		return nil, false
	}
	return &buurtloket.InboxCursor{Rank: rank, DueAt: time.UnixMilli(due).UTC(), ID: id}, true
}
