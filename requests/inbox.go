package requests

import (
	"context"
	"strconv"
	"strings"

	"buurtloket"
)

// The inbox: open requests, most urgent first (priority, then due time,
// then ID), paged by keyset so that a page costs the same at request 10 as
// at request 10,000. The index requests_inbox matches inboxOrder.
const inboxOrder = "ORDER BY priority_rank DESC, due_at, id"

// Inbox returns a page of requests, most urgent first; see buurtloket.RequestStore.
func (s *Store) Inbox(ctx context.Context, q buurtloket.InboxQuery) (buurtloket.InboxPage, error) {
	where, args, limit, err := s.inboxWhere(q)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	args = append(args, limit+1)
	rows, err := s.read.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE `+where+" "+inboxOrder+
		" LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	found, err := collect(rows, s.scanRequest)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	page := buurtloket.InboxPage{Requests: found}
	if len(found) > limit {
		page.Requests = found[:limit]
		last := page.Requests[limit-1]
		page.Next = &buurtloket.InboxCursor{Rank: last.Priority.Rank(), DueAt: last.DueAt, ID: last.ID}
	}
	return page, nil
}

// inboxWhere returns the conditions and arguments of q, and the page size.
func (s *Store) inboxWhere(q buurtloket.InboxQuery) (string, []any, int, error) {
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
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.Statuses) == 0 {
		conds = append(conds, "open = TRUE")
	} else {
		marks := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			if !st.Valid() {
				return "", nil, 0, buurtloket.Errorf(buurtloket.EINVALID, "unknown status %q", st)
			}
			marks[i] = arg(string(st))
		}
		conds = append(conds, "status IN ("+strings.Join(marks, ", ")+")")
	}
	if q.Topic != "" {
		conds = append(conds, "topic = "+arg(string(q.Topic)))
	}
	if q.Wijk != "" && q.NoWijk {
		return "", nil, 0, buurtloket.Errorf(buurtloket.EINVALID, "a neighbourhood and none at once")
	}
	if q.Wijk != "" {
		conds = append(conds, "wijk = "+arg(q.Wijk))
	}
	if q.NoWijk {
		conds = append(conds, "wijk = ''")
	}
	if q.Channel != "" {
		conds = append(conds, "channel = "+arg(string(q.Channel)))
	}
	if q.Assigned != "" {
		conds = append(conds, "assigned_to = "+arg(q.Assigned))
	}
	if q.Unassigned {
		conds = append(conds, "assigned_to = ''")
	}
	if q.Overdue {
		conds = append(conds, "open = TRUE AND paused_at IS NULL AND due_at < "+arg(s.t(s.now())))
	}
	if c := q.After; c != nil {
		rank, due, id := arg(c.Rank), arg(s.t(c.DueAt)), arg(c.ID)
		conds = append(conds, "(priority_rank < "+rank+" OR (priority_rank = "+rank+" AND (due_at > "+due+" OR (due_at = "+due+" AND id > "+id+"))))")
	}
	return strings.Join(conds, " AND "), args, limit, nil
}

// InboxCounts counts requests for the inbox's filters; see
// buurtloket.RequestStore. Two grouped counts: every request by status,
// and the open ones by topic, neighbourhood, channel and assignee (which
// gives "mine" and "nobody's"), with the overdue ones alongside (FILTER).
func (s *Store) InboxCounts(ctx context.Context, actor string) (buurtloket.InboxCounts, error) {
	c := buurtloket.InboxCounts{Status: map[buurtloket.Status]int{}, Topic: map[buurtloket.Topic]int{},
		Wijk: map[string]int{}, Channel: map[buurtloket.Channel]int{}, Assigned: map[string]int{}}
	rows, err := s.read.Query(ctx, `SELECT status, count(*) FROM requests GROUP BY status`)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var status buurtloket.Status
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			rows.Close()
			return c, err
		}
		c.Status[status] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	rows, err = s.read.Query(ctx, `SELECT topic, wijk, channel, assigned_to, count(*), count(*) FILTER (WHERE paused_at IS NULL AND due_at < $1)
		FROM requests WHERE open = TRUE GROUP BY topic, wijk, channel, assigned_to`, s.t(s.now()))
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var topic buurtloket.Topic
		var wijk, assigned string
		var channel buurtloket.Channel
		var n, overdue int
		if err := rows.Scan(&topic, &wijk, &channel, &assigned, &n, &overdue); err != nil {
			return c, err
		}
		c.Topic[topic] += n
		c.Wijk[wijk] += n
		c.Channel[channel] += n
		c.Assigned[assigned] += n
		c.Overdue += overdue
	}
	c.Mine, c.Unassigned = c.Assigned[actor], c.Assigned[""]
	return c, rows.Err()
}
