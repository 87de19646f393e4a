// Package inboxsql builds the WHERE clause of the staff inbox query, the
// same for every SQL store: open requests, most urgent first (priority,
// then due time, then ID), paged by keyset so a page costs the same at
// request 10 as at request 10,000.
package inboxsql

import (
	"fmt"
	"strings"
	"time"

	"buurtloket"
)

// Dialect says how a store writes placeholders and stores times.
type Dialect struct {
	Placeholder func(n int) string // n counts from 1
	Time        func(time.Time) any
}

// Question is SQLite's dialect: ? placeholders, times as Unix milliseconds.
var Question = Dialect{
	Placeholder: func(int) string { return "?" },
	Time:        func(t time.Time) any { return t.UnixMilli() },
}

// Dollar is PostgreSQL's dialect: $1 placeholders, times as timestamptz.
var Dollar = Dialect{
	Placeholder: func(n int) string { return fmt.Sprintf("$%d", n) },
	Time:        func(t time.Time) any { return t },
}

// OrderBy is the inbox order; the index must match it.
const OrderBy = "ORDER BY priority_rank DESC, due_at, id"

// Where returns the conditions and arguments of q, and the page size.
func Where(q buurtloket.InboxQuery, d Dialect) (string, []any, int, error) {
	if err := q.Check(); err != nil {
		return "", nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		return "", nil, 0, buurtloket.Errorf(buurtloket.EINVALID, "a page has at most 200 requests")
	}
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return d.Placeholder(len(args))
	}
	if len(q.Statuses) == 0 {
		conds = append(conds, "open = TRUE")
	} else {
		marks := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			if !s.Valid() {
				return "", nil, 0, buurtloket.Errorf(buurtloket.EINVALID, "unknown status %q", s)
			}
			marks[i] = arg(string(s))
		}
		conds = append(conds, "status IN ("+strings.Join(marks, ", ")+")")
	}
	if q.Topic != "" {
		conds = append(conds, "topic = "+arg(string(q.Topic)))
	}
	if q.Wijk != "" {
		conds = append(conds, "wijk = "+arg(q.Wijk))
	}
	if q.Assigned != "" {
		conds = append(conds, "assigned_to = "+arg(q.Assigned))
	}
	if c := q.After; c != nil {
		due := d.Time(c.DueAt)
		conds = append(conds, fmt.Sprintf("(priority_rank < %s OR (priority_rank = %s AND (due_at > %s OR (due_at = %s AND id > %s))))",
			arg(c.Rank), arg(c.Rank), arg(due), arg(due), arg(c.ID)))
	}
	return strings.Join(conds, " AND "), args, limit, nil
}

// Page cuts the rows of a query that asked for limit+1 rows into a page,
// with the cursor of its last row when more follow. The cursor matches
// OrderBy.
func Page(rows []*buurtloket.Request, limit int) buurtloket.InboxPage {
	page := buurtloket.InboxPage{Requests: rows}
	if len(rows) > limit {
		page.Requests = rows[:limit]
		last := page.Requests[limit-1]
		page.Next = &buurtloket.InboxCursor{Rank: last.Priority.Rank(), DueAt: last.DueAt, ID: last.ID}
	}
	return page
}
