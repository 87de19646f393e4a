package staff

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"buurtloket"
)

// logPage is how many entries a page of the privacy log shows.
const logPage = 200

// privacyLog serves the log a privacy officer reads: who viewed residents'
// contact details and who lifted a PIN lock, across requests, newest
// first; one person's with ?who=. Admins only.
func (s *Server) privacyLog(w http.ResponseWriter, r *http.Request, q *request) {
	who := r.URL.Query().Get("who")
	if _, ok := buurtloket.AccountOfActor(who); who != "" && !ok {
		s.fail(w, r, q, http.StatusBadRequest, "staff.log.bad_who")
		return
	}
	var before *buurtloket.AuditEntry
	if b := r.URL.Query().Get("before"); b != "" {
		at, id, ok := strings.Cut(b, ".")
		ms, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil || ms <= 0 || n <= 0 {
			s.fail(w, r, q, http.StatusBadRequest, "staff.log.bad_page")
			return
		}
		before = &buurtloket.AuditEntry{At: time.UnixMilli(ms).UTC(), ID: n}
	}
	entries, err := s.cfg.Store.SensitiveActions(r.Context(), who, before, logPage+1)
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	var older string
	if len(entries) > logPage {
		entries = entries[:logPage]
		last := entries[logPage-1]
		v := url.Values{"before": {strconv.FormatInt(last.At.UnixMilli(), 10) + "." + strconv.FormatInt(last.ID, 10)}}
		if who != "" {
			v.Set("who", who)
		}
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
	data := map[string]any{"Entries": rows, "Who": who, "Older": older}
	if who != "" {
		data["WhoName"] = names(who)
	}
	s.render(w, q, http.StatusOK, "log", data)
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
