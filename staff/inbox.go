package staff

import (
	"net/http"

	"buurtloket"
)

// inbox lists open requests, most urgent first. (Filters, counts, paging
// and live updates come with the answering pages.)
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, q *request) {
	page, err := s.cfg.Store.Inbox(r.Context(), buurtloket.InboxQuery{Limit: 50})
	if err != nil {
		s.internal(w, r, q, err)
		return
	}
	s.render(w, q, http.StatusOK, "inbox", map[string]any{"Requests": page.Requests})
}
