package kiosk

import (
	"context"
	"time"

	"buurtloket"
)

// Staff replies reach an open follow-up page at once. The store tells
// every instance on the database of a change to a request (a staff reply,
// a new status, a message from the resident's other page); the instance
// whose page follows that request sends the page its thread again, and
// the page puts the new messages in place without losing what the
// resident is typing. What the page says it drew ("seen") counts as
// delivered (buurtloket.ThreadStore.ShownToResident), so the console
// tells the truth.

// Listen pushes the store's changes to the follow-up pages open on this
// server until ctx ends.
func (s *Server) Listen(ctx context.Context) error {
	return s.cfg.Store.Changes(ctx, func(c buurtloket.Change) {
		switch c.Kind {
		case buurtloket.ChangeReply, buurtloket.ChangeStatus, buurtloket.ChangeMessage:
			s.push(c.RequestID)
		case buurtloket.ChangeGap:
			s.push(0) // changes may have been missed: every follower reads again
		}
	})
}

// setFollowed sets the request a connection follows (nil: none) and keeps
// the server's list of followers in step. Called with the connection's
// conversation held (conn.mu).
func (c *conn) setFollowed(f *following) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := c.followed; old != nil {
		if set := s.followers[old.id]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(s.followers, old.id)
			}
		}
	}
	c.followed = f
	if f != nil {
		if s.followers[f.id] == nil {
			s.followers[f.id] = map[*conn]struct{}{}
		}
		s.followers[f.id][c] = struct{}{}
	}
}

// push sends request id's thread to every page following it (id 0: every
// page following any request). The work runs on the server's workers, one
// connection's conversation at a time; the listener never waits for it.
func (s *Server) push(id int64) {
	s.mu.Lock()
	var to []*conn
	for rid, set := range s.followers {
		if id == 0 || rid == id {
			for c := range set {
				to = append(to, c)
			}
		}
	}
	s.mu.Unlock()
	for _, c := range to {
		// One push at most waits per connection: it reads the newest
		// thread anyway, however many changes came meanwhile.
		if !c.queued.CompareAndSwap(false, true) {
			continue
		}
		go func() {
			select {
			case s.work <- func() { c.refresh() }:
			case <-s.stop:
				c.queued.Store(false)
			}
		}()
	}
}

// refresh sends the followed request's newest messages, marked as an
// update: the page shows them only while it shows that request.
func (c *conn) refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued.Store(false)
	f := c.followed
	if f == nil {
		return
	}
	// A page left still for as long as a stored session lives has
	// forgotten it; a push is not the resident doing something.
	if time.Since(f.at) > c.mode.Sessions {
		c.setFollowed(nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeWait)
	defer cancel()
	r, err := c.s.cfg.Store.Request(ctx, f.id)
	if err != nil {
		if buurtloket.ErrorCode(err) == buurtloket.ENOTFOUND {
			c.setFollowed(nil) // purged
		} else {
			c.s.cfg.Logger.Error("pushing a reply to a follow-up page", "error", err)
		}
		return
	}
	if r.PINLock.Locked(time.Now()) {
		// Locked by wrong PINs elsewhere since it was opened: as a reply
		// from this page would be refused, nothing more is shown.
		c.setFollowed(nil)
		return
	}
	c.showFollow(ctx, r, 0, true)
	c.s.metrics.pushed.Inc()
}

// seen records that the page drew these staff messages of the request it
// follows: they count as delivered (buurtloket.ThreadStore.ShownToResident
// takes only that request's staff messages).
func (c *conn) seen(ctx context.Context, ids []int64) {
	f := c.followed
	if f == nil || len(ids) == 0 {
		return // left meanwhile: what it drew then was not recorded
	}
	if _, err := c.s.cfg.Store.ShownToResident(ctx, f.id, ids); err != nil {
		c.s.cfg.Logger.Error("recording replies shown on a follow-up page", "error", err)
	}
}
