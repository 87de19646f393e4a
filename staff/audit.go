package staff

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"buurtloket"
)

// logPage is how many entries a page of the privacy log shows;
// exportRead how many its export reads at a time (with the one that
// tells whether more follow, the store's most).
const (
	logPage    = 200
	exportRead = 999
)

// maxLogTime bounds a page's time (Unix milliseconds; the year 9999), so
// that no database is asked for a time it cannot hold.
const maxLogTime = 253402300799999

// logQuery is what a privacy officer asks of the log: one person's
// actions or everyone's, in a period of whole days (Amsterdam time), and
// the page (older than an entry).
type logQuery struct {
	who        string
	from, last time.Time // the first and the last day, at their start (zero: no bound)
	before     *buurtloket.AuditEntry
}

// parseLogQuery reads ?who=, ?from=, ?to= (dates) and ?before=; a message
// ID says what is wrong.
func parseLogQuery(v url.Values) (logQuery, string) {
	var q logQuery
	q.who = v.Get("who")
	if _, ok := buurtloket.AccountOfActor(q.who); q.who != "" && !ok {
		return q, "staff.log.bad_who"
	}
	day := func(name string) (time.Time, bool) {
		d := v.Get(name)
		if d == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation(time.DateOnly, d, amsterdam)
		return t, err == nil && t.Year() >= 2000 && t.Year() <= 9999
	}
	var ok1, ok2 bool
	q.from, ok1 = day("from")
	q.last, ok2 = day("to")
	if !ok1 || !ok2 || (!q.from.IsZero() && !q.last.IsZero() && q.last.Before(q.from)) {
		return q, "staff.log.bad_date"
	}
	if b := v.Get("before"); b != "" {
		at, id, ok := strings.Cut(b, ".")
		ms, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil || ms <= 0 || ms > maxLogTime || n <= 0 {
			return q, "staff.log.bad_page"
		}
		q.before = &buurtloket.AuditEntry{At: time.UnixMilli(ms).UTC(), ID: n}
	}
	return q, ""
}

// values is the query without its page, for the links that keep it.
func (q logQuery) values() url.Values {
	v := url.Values{}
	if q.who != "" {
		v.Set("who", q.who)
	}
	if !q.from.IsZero() {
		v.Set("from", q.from.Format(time.DateOnly))
	}
	if !q.last.IsZero() {
		v.Set("to", q.last.Format(time.DateOnly))
	}
	return v
}

// logEntries reads up to limit entries of the query, newest first, from the
// page on; more says whether older ones in the period follow.
func (s *Server) logEntries(ctx context.Context, q logQuery, limit int) (entries []*buurtloket.AuditEntry, more bool, err error) {
	before := q.before
	if end := q.last.AddDate(0, 0, 1); !q.last.IsZero() && (before == nil || !before.At.Before(end)) {
		// Everything before the day after the period: ID 1 is below every
		// entry's, so that the bound is "earlier than".
		before = &buurtloket.AuditEntry{At: end.UTC(), ID: 1}
	}
	entries, err = s.cfg.Store.SensitiveActions(ctx, q.who, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	if !q.from.IsZero() {
		if i := slices.IndexFunc(entries, func(e *buurtloket.AuditEntry) bool { return e.At.Before(q.from) }); i >= 0 {
			entries = entries[:i]
		}
	}
	if len(entries) > limit {
		return entries[:limit], true, nil
	}
	return entries, false, nil
}

// privacyLog serves the log a privacy officer reads: who viewed residents'
// contact details and who lifted a PIN lock, across requests, newest
// first; one person's with ?who=, a period with ?from= and ?to=. Admins
// only.
func (s *Server) privacyLog(w http.ResponseWriter, r *http.Request, q *request) {
	lq, bad := parseLogQuery(r.URL.Query())
	if bad != "" {
		s.fail(w, r, q, http.StatusBadRequest, bad)
		return
	}
	entries, more, err := s.logEntries(r.Context(), lq, logPage)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	var older string
	if more {
		last := entries[len(entries)-1]
		v := lq.values()
		v.Set("before", strconv.FormatInt(last.At.UnixMilli(), 10)+"."+strconv.FormatInt(last.ID, 10))
		older = "/staff/log?" + v.Encode()
	}
	names, _, err := s.names(r.Context(), q.lang)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	type row struct {
		At               time.Time
		Actor, Who, What string
		Account          bool // the actor is an account, whose actions alone can be listed
		RequestID        int64
		Ticket           string
	}
	var rows []row
	for _, e := range entries {
		_, account := buurtloket.AccountOfActor(e.Actor)
		rows = append(rows, row{e.At, e.Actor, names(e.Actor), s.auditText(q.lang, e, names), account, e.RequestID, e.Ticket})
	}
	period := lq.values()
	data := map[string]any{"Entries": rows, "Who": lq.who, "Older": older, "Download": "/staff/log.csv?" + period.Encode(),
		"From": period.Get("from"), "To": period.Get("to")}
	if lq.who != "" {
		data["WhoName"] = names(lq.who)
	}
	s.render(w, q, http.StatusOK, "log", data)
}

// exportTime is how long a privacy log export may take to send, beyond
// the server's write timeout for pages (a long period, a slow link).
const exportTime = 10 * time.Minute

// privacyLogCSV serves the privacy log of a query (?who=, ?from=, ?to=)
// as a CSV file for a privacy officer's report: every entry of the
// period, newest first, read exportRead at a time. It is written as Dutch
// spreadsheets open it at a double click: UTF-8 with a byte order mark,
// fields apart by semicolons. A cell that a spreadsheet would take for a
// formula is quoted as text.
func (s *Server) privacyLogCSV(w http.ResponseWriter, r *http.Request, q *request) {
	lq, bad := parseLogQuery(r.URL.Query())
	if bad == "" && lq.before != nil {
		bad = "staff.log.bad_export" // an export is of a period, not of a page
	}
	if bad != "" {
		s.fail(w, r, q, http.StatusBadRequest, bad)
		return
	}
	names, _, err := s.names(r.Context(), q.lang)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	// The first read before any byte goes out, so that a failing database
	// is an error page and not an empty file.
	entries, more, err := s.logEntries(r.Context(), lq, exportRead)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetWriteDeadline(time.Now().Add(exportTime)); err != nil && err != http.ErrNotSupported {
		s.internal(w, r, q, err)
		return
	}
	t := s.cfg.Texts
	name, period := "privacy-log", lq.values()
	for _, day := range []string{period.Get("from"), period.Get("to")} {
		if day != "" {
			name += "-" + day
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	io.WriteString(w, "\ufeff")
	out := csv.NewWriter(w)
	out.Comma = ';'
	out.Write([]string{t.Text(q.lang, "staff.request.when"), t.Text(q.lang, "staff.request.who"), t.Text(q.lang, "staff.log.account"),
		t.Text(q.lang, "staff.request.what"), t.Text(q.lang, "staff.log.request")})
	unisolate := strings.NewReplacer("\u2068", "", "\u2069", "")
	for {
		for _, e := range entries {
			ticket := e.Ticket
			if ticket == "" {
				ticket = t.Text(q.lang, "staff.log.purged")
			}
			out.Write([]string{e.At.In(amsterdam).Format(time.RFC3339), inertCell(names(e.Actor)), inertCell(e.Actor),
				inertCell(unisolate.Replace(s.auditText(q.lang, e, names))), ticket})
		}
		if out.Flush(); out.Error() != nil {
			return // the browser went away: nothing more to read for it
		}
		if !more {
			return
		}
		last := entries[len(entries)-1]
		lq.before = &buurtloket.AuditEntry{At: last.At, ID: last.ID}
		if entries, more, err = s.logEntries(r.Context(), lq, exportRead); err != nil {
			if r.Context().Err() == nil {
				// Too late for an error page: the file ends with a line
				// that says it is incomplete, and the log says why.
				s.cfg.Logger.Error("privacy log export failed", "error", err)
				out.Write([]string{t.Text(q.lang, "staff.log.incomplete")})
				out.Flush()
			}
			return
		}
	}
}

// inertCell keeps a spreadsheet from running a cell as a formula (a
// name of "=HYPERLINK(…)"): a cell that starts with a formula's sign (or
// its full-width form, which some spreadsheets read as one) or a tab or
// return starts with an apostrophe.
func inertCell(v string) string {
	first, _ := utf8.DecodeRuneInString(v)
	if v != "" && strings.ContainsRune("=+-@\t\r＝＋－＠", first) {
		return "'" + v
	}
	return v
}

// auditText says what an entry of a request's audit trail records, in
// lang, as staff read it: "toegewezen aan Anna", "status: nieuw → in
// behandeling", not the stored codes. Names are isolated, so that a name
// in another direction does not reorder the sentence. An action this
// console does not know (a newer version's) shows as stored.
func (s *Server) auditText(lang string, a *buurtloket.AuditEntry, names func(string) string) string {
	t := s.cfg.Texts
	isolate := func(name string) string { return "\u2068" + name + "\u2069" }
	switch a.Action {
	case "submitted":
		channel := "staff.channel." + a.Detail
		if !t.Has(channel) {
			return t.Text(lang, "staff.audit.submitted")
		}
		return t.Format(lang, "staff.audit.submitted_via", map[string]any{"Channel": t.Text(lang, channel)})
	case "assign":
		switch a.Detail {
		case "":
			return t.Text(lang, "staff.audit.unassigned")
		case a.Actor:
			return t.Text(lang, "staff.audit.claimed")
		}
		return t.Format(lang, "staff.audit.assigned", map[string]any{"Name": isolate(names(a.Detail))})
	case "status":
		from, to, ok := strings.Cut(a.Detail, " -> ")
		if ok && buurtloket.Status(from).Valid() && buurtloket.Status(to).Valid() {
			return t.Format(lang, "staff.audit.status", map[string]any{"From": t.Text(lang, "staff.status."+from), "To": t.Text(lang, "staff.status."+to)})
		}
	case "pin locked":
		return t.Format(lang, "staff.audit.pin_locked", map[string]any{"For": s.lockText(lang, a.Detail)})
	case "note", "reply", "resident reply", buurtloket.AuditViewedContact, buurtloket.AuditPINUnlocked:
		return t.Text(lang, "staff.audit."+strings.ReplaceAll(a.Action, " ", "_"))
	}
	if a.Detail == "" {
		return a.Action
	}
	return a.Action + " · " + isolate(a.Detail)
}

// deliveryText says how far a staff message came on its way to the
// resident, as truly as the channel can tell: on the kiosk and the web a
// page that drew it is "aangekomen"; a Telegram request's reply is
// "verstuurd", whether Telegram took it or the resident's follow-up page
// drew it (the state does not say which); a failing one says
// how often it was tried (not why: a transport's error is no business of
// the resident's helper, and may name the bot's address).
func (s *Server) deliveryText(lang string, channel buurtloket.Channel, m *buurtloket.Message) string {
	t := s.cfg.Texts
	switch {
	case m.Delivery == buurtloket.DeliverySent && channel == buurtloket.ChannelTelegram:
		return t.Text(lang, "staff.delivery.sent_telegram")
	case m.Delivery == buurtloket.DeliveryRetrying:
		return t.Plural(lang, "staff.delivery.retrying", m.Attempts, nil)
	}
	return t.Text(lang, "staff.delivery."+string(m.Delivery))
}

// lockText says how long a PIN lock holds, from what the audit trail
// keeps of it (buurtloket.PINLock.Describe).
func (s *Server) lockText(lang, d string) string {
	t := s.cfg.Texts
	switch {
	case d == "for good":
		return t.Text(lang, "staff.audit.lock.for_good")
	case d == "staff":
		return t.Text(lang, "staff.audit.lock.staff")
	case strings.HasSuffix(d, "h"):
		if n, err := strconv.Atoi(strings.TrimSuffix(d, "h")); err == nil {
			return t.Plural(lang, "staff.audit.lock.hours", n, nil)
		}
	case strings.HasSuffix(d, "m"):
		if n, err := strconv.Atoi(strings.TrimSuffix(d, "m")); err == nil {
			return t.Plural(lang, "staff.audit.lock.minutes", n, nil)
		}
	}
	return d
}
