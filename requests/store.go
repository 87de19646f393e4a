// Package requests is the request store: its rules and every statement
// that reads or writes its data, written once for both databases. It
// keeps help requests, their threads, notes, audit trail and outbox, the
// kiosks, and the dialog sessions (buurtloket.RequestStore).
//
// A database provides a DB: reads, writes that are durable when they
// return, and a Dialect, the few pieces of SQL that differ (how a time is
// stored, row locks, a month, a list of IDs). Everything else is one text
// on both: $1 placeholders, ON CONFLICT, RETURNING, FILTER, row values,
// TRUE and FALSE, and NULL for "no time". The sqlite and postgres
// packages are what each database adds: opening it, its settings, how
// writes are committed, its dialect and its schema.
//
// Adding a query means writing it here, once, and a case in storetest,
// which runs against both databases.
package requests

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"buurtloket"
)

// Querier runs statements: inside a write on its transaction, or for
// reads on the database.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is the result of QueryRow. When there is no row, Scan returns an
// error for which errors.Is(err, sql.ErrNoRows) holds, on both databases.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result of Query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// DB is what a database provides the store.
type DB interface {
	Dialect() *Dialect
	// Read is for reads outside a write: each statement sees what was
	// committed when it began.
	Read() Querier
	// Write runs fn in one transaction and returns once that is durably
	// committed, or with fn's error once it is rolled back. Rules for fn:
	//   - A failed statement ends the write (PostgreSQL aborts the
	//     transaction): never catch an SQL error and go on in the same
	//     write. Write statements that cannot fail instead, such as
	//     INSERT … ON CONFLICT DO NOTHING, and look at the rows changed.
	//   - Close Rows before the next statement.
	//   - Do not call the store, and be quick: on SQLite a write holds up
	//     every other write.
	//   - A row that the write reads and then changes is read with
	//     Dialect.Lock, or another process may change it in between.
	// Once queued, a write is waited for even when ctx ends, since fn may
	// fill the caller's variables.
	Write(ctx context.Context, fn func(tx Querier) error) error
	// Exec runs one statement as a write of its own.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Ping(ctx context.Context) error
	Close() error

	// Notify sends notices to every Listen on this database, in this
	// process and every other. The store calls it after a write that
	// committed; a process that dies in between sends nothing (listeners
	// catch up when they read the store again).
	Notify(ctx context.Context, notices ...string)
	// Listen calls fn with each notice, from now until ctx ends. After a
	// gap (a lost connection) it calls fn with "": read the store again.
	Listen(ctx context.Context, fn func(notice string)) error
}

// Dialect is all that differs between the databases' SQL.
type Dialect struct {
	// Time is how a time (UTC, to the millisecond) is bound. The zero
	// time, "no time", is bound as NULL by the store itself.
	Time func(time.Time) any
	// ScanTime is a scan destination that fills *t, the zero time for NULL.
	ScanTime func(t *time.Time) any
	// Lock follows a SELECT whose rows the write changes next: the rows
	// stay locked until the write commits (" FOR UPDATE"), or nothing on a
	// database with one writer.
	Lock string
	// SkipLocked follows a SELECT that takes rows of the table alias
	// another process may be taking at the same moment: those are skipped.
	SkipLocked func(alias string) string
	// Month is the 'YYYY-MM' (UTC) of a time column.
	Month func(column string) string
	// InIDs is the condition "column is one of the IDs bound at $n", and
	// IDs binds them, so that the statement is one text for any number.
	InIDs func(column string, n int) string
	IDs   func([]int64) any
}

// Store is the request store over a database.
type Store struct {
	db     DB
	d      *Dialect
	read   Querier
	sealer *buurtloket.Sealer
	clock  atomic.Pointer[func() time.Time]
	newID  func() int64
	sql    statements
}

// statements are the texts that take a piece of the dialect, built once:
// the databases cache prepared statements by their text.
type statements struct {
	lockRequest, openTicket, outboxMessage, claim, lease, stats string
	lockAccount, lockThrottle, purgeable                        string
	shown, shownOutbox, shownLock                               string
	lockBotChat                                                 string
}

// New returns the store over db; sealer seals what must not be readable at rest.
func New(db DB, sealer *buurtloket.Sealer) *Store {
	d := db.Dialect()
	s := &Store{db: db, d: d, read: db.Read(), sealer: sealer, newID: buurtloket.NewID}
	s.SetClock(time.Now)
	s.sql = statements{
		lockRequest: `SELECT ticket, status, due_at, paused_at, anonymous FROM requests WHERE id = $1` + d.Lock,
		openTicket: `SELECT id, pin_hash, anonymous, pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only
			FROM requests WHERE ticket = $1` + d.Lock,
		outboxMessage: `SELECT message_id, request_id FROM outbox WHERE id = $1` + d.Lock,
		claim: `SELECT o.id, o.request_id, o.message_id, o.attempts, q.ticket, q.channel, q.lang, m.body, r.sealed
			FROM outbox o JOIN requests q ON q.id = o.request_id JOIN messages m ON m.id = o.message_id
			LEFT JOIN routes r ON r.request_id = o.request_id
			WHERE o.due_at <= $1 ORDER BY o.due_at, o.id LIMIT $2` + d.SkipLocked("o"),
		lease: `UPDATE outbox SET due_at = $1 WHERE ` + d.InIDs("id", 2),
		// A held message was waiting for the resident to read it; one in the
		// outbox of a request without a route would only be held.
		shown: `UPDATE messages SET delivery = 'sent', last_error = ''
			WHERE request_id = $1 AND author = 'staff' AND ` + d.InIDs("id", 2) + `
			AND (delivery IN ('held', 'undeliverable') OR (delivery IN ('pending', 'retrying') AND NOT EXISTS (SELECT 1 FROM routes WHERE request_id = $1)))
			RETURNING id`,
		shownOutbox: `DELETE FROM outbox WHERE request_id = $1 AND ` + d.InIDs("message_id", 2),
		// The outbox rows are locked first, in the order the delivery
		// worker locks them (DeliveryDone: outbox, then messages): the other
		// order deadlocks against it on PostgreSQL.
		shownLock:    `SELECT id FROM outbox WHERE request_id = $1 AND ` + d.InIDs("message_id", 2) + ` ORDER BY id` + d.Lock,
		lockAccount:  `SELECT ` + accountColumns + ` FROM staff_accounts WHERE id = $1` + d.Lock,
		lockBotChat:  `SELECT lease FROM bot_chats WHERE chat = $1` + d.Lock,
		lockThrottle: `SELECT failures, since, locked_until FROM login_throttle WHERE key = $1` + d.Lock,
		purgeable:    `SELECT id FROM requests WHERE status = 'closed' AND topic = $1 AND updated_at <= $2` + d.Lock,
		stats: `INSERT INTO request_stats (month, topic, wijk, count)
			SELECT ` + d.Month("created_at") + `, topic, wijk, count(*) FROM requests
			WHERE status = 'closed' AND topic = $1 AND updated_at <= $2 GROUP BY 1, 2, 3
			ON CONFLICT (month, topic, wijk) DO UPDATE SET count = request_stats.count + excluded.count`,
	}
	return s
}

// SetClock replaces the clock, for tests; it may change while the store
// is in use. Times are kept to the millisecond on both databases, as
// docs/storage.md promises.
func (s *Store) SetClock(now func() time.Time) {
	s.clock.Store(&now)
}

// now is the store's time: its clock's, in UTC, to the millisecond.
func (s *Store) now() time.Time {
	return (*s.clock.Load())().UTC().Truncate(time.Millisecond)
}

// SetIDs replaces the source of random IDs, so that a test can make two
// draws clash.
func (s *Store) SetIDs(next func() int64) { s.newID = next }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Close finishes the writes under way and closes the database.
func (s *Store) Close() error { return s.db.Close() }

// t binds a time in the database's way, and the zero time as NULL.
func (s *Store) t(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.Time(t.UTC().Truncate(time.Millisecond))
}

// st is a scan destination for a time.
func (s *Store) st(t *time.Time) any { return s.d.ScanTime(t) }

var _ buurtloket.RequestStore = (*Store)(nil)

// notify tells every instance's listeners about a change; called after
// the write that made it committed. A notice is "kind:id", then ":" and
// its flags: "a" an anonymous request, "s" staff's doing. A notice
// without "s" dates the resident: that is the safe reading of a notice
// from an older instance, too.
func (s *Store) notify(ctx context.Context, kind buurtloket.ChangeKind, id int64, anonymous, byStaff bool) {
	notice := string(kind) + ":" + strconv.FormatInt(id, 10)
	if anonymous || byStaff {
		notice += ":"
	}
	if anonymous {
		notice += "a"
	}
	if byStaff {
		notice += "s"
	}
	s.db.Notify(ctx, notice)
}

// Changes calls fn with every change; see buurtloket.RequestStore.
func (s *Store) Changes(ctx context.Context, fn func(buurtloket.Change)) error {
	return s.db.Listen(ctx, func(notice string) {
		kind, rest, _ := strings.Cut(notice, ":")
		id, flag, _ := strings.Cut(rest, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		switch k := buurtloket.ChangeKind(kind); {
		case notice == "":
			fn(buurtloket.Change{Kind: buurtloket.ChangeGap})
		case err == nil && n > 0 && k.Valid():
			fn(buurtloket.Change{Kind: k, RequestID: n, Anonymous: strings.Contains(flag, "a"), ByStaff: strings.Contains(flag, "s")})
		}
	})
}
