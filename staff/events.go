package staff

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"buurtloket"
)

// Live updates: the console hears the store's changes (a new request, a
// resident's message; from every instance on the database) and passes them
// to the open pages as server-sent events, which refresh the inbox or the
// thread without a reload. An event names the request by ID only.

// Listen passes the store's changes to the open pages until ctx ends. A
// change that dates an anonymous request's resident (it came in, they
// wrote, their open page showed a reply) is held back until the next
// full hour: an inbox that lit up the moment it came would date it to the
// second, where staff may see its time to the hour only. What staff and
// the delivery worker do to it passes at once, so that colleagues see a
// reply or a claim, and a reply's delivery state is true.
func (s *Server) Listen(ctx context.Context) error {
	return s.cfg.Store.Changes(ctx, func(c buurtloket.Change) {
		if !c.Anonymous || c.ByStaff {
			s.open.publish(c)
			return
		}
		s.held.hold(c, untilTheHour(s.cfg.Now()), s.open.publish)
	})
}

// heldBack is the changes held back until the next full hour: each once,
// all told at once by one timer.
type heldBack struct {
	mu      sync.Mutex
	changes map[buurtloket.Change]struct{}
}

func (h *heldBack) hold(c buurtloket.Change, wait time.Duration, publish func(buurtloket.Change)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.changes == nil {
		h.changes = map[buurtloket.Change]struct{}{}
		time.AfterFunc(wait, func() {
			h.mu.Lock()
			out := h.changes
			h.changes = nil
			h.mu.Unlock()
			for c := range out {
				publish(c)
			}
		})
	}
	h.changes[c] = struct{}{}
}

// untilTheHour is how long until the next full hour after now.
func untilTheHour(now time.Time) time.Duration {
	return now.Truncate(time.Hour).Add(time.Hour).Sub(now)
}

// pageSet is the open pages' event streams.
type pageSet struct {
	mu   sync.Mutex
	subs map[chan buurtloket.Change]struct{}
}

func (p *pageSet) subscribe() chan buurtloket.Change {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.subs == nil {
		p.subs = map[chan buurtloket.Change]struct{}{}
	}
	ch := make(chan buurtloket.Change, 32)
	p.subs[ch] = struct{}{}
	return ch
}

func (p *pageSet) unsubscribe(ch chan buurtloket.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.subs, ch)
}

// publish hands a change to every page; a page that is far behind gets a
// gap instead, and reads everything again.
func (p *pageSet) publish(c buurtloket.Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch := range p.subs {
		select {
		case ch <- c:
		default:
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- buurtloket.Change{Kind: buurtloket.ChangeGap}:
			default:
			}
		}
	}
}

// CloseStreams ends the open event streams, so that a shutdown need not
// wait for them (the pages connect again, to another instance or to this
// one once it is back).
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// heartbeat keeps proxies from closing a quiet stream, and checks that
// the session still holds (Server.heartbeat; tests shorten it).
const heartbeat = 20 * time.Second

// events streams the changes to one page, while its session lasts.
func (s *Server) events(w http.ResponseWriter, r *http.Request, q *request) {
	rc := http.NewResponseController(w)
	// The server's write timeout is for pages; a stream lives longer.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && err != http.ErrNotSupported {
		s.internal(w, r, q, err)
		return
	}
	ch := s.open.subscribe()
	defer s.open.unsubscribe(ch)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // nginx: pass it on at once
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	rc.Flush()
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-tick.C:
			// Not seen: a page left open must not keep its session from
			// going idle.
			if _, err := s.cfg.Store.StaffSession(r.Context(), q.token, false); err != nil {
				return // logged out, or expired: the page stops listening
			}
			fmt.Fprint(w, ": still here\n\n")
		case c := <-ch:
			fmt.Fprintf(w, "event: change\ndata: {\"kind\":%q,\"id\":%d}\n\n", c.Kind, c.RequestID)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
