package sqlite

import (
	"context"
	"sync"
)

// Notifications on SQLite stay within the process: it is the only one
// that writes the file.

// Notify hands notices to every listener; one that is far behind misses
// them rather than holding up the write.
func (db *DB) Notify(ctx context.Context, notices ...string) {
	db.listeners.mu.Lock()
	defer db.listeners.mu.Unlock()
	for ch := range db.listeners.subs {
		for _, n := range notices {
			select {
			case ch <- n:
			default:
			}
		}
	}
}

// Listen calls fn with every notice from now until ctx ends.
func (db *DB) Listen(ctx context.Context, fn func(notice string)) error {
	ch := db.listeners.add()
	defer db.listeners.remove(ch)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-db.closed:
			return nil
		case n := <-ch:
			fn(n)
		}
	}
}

// listeners are the open Listen calls.
type listeners struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
}

func (l *listeners) add() chan string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.subs == nil {
		l.subs = map[chan string]struct{}{}
	}
	ch := make(chan string, 256)
	l.subs[ch] = struct{}{}
	return ch
}

func (l *listeners) remove(ch chan string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.subs, ch)
}
