package buurtloket

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultRetention is how long a closed request is kept before it is
// purged, when no setting says otherwise. The Dutch DPA sets no fixed term:
// as short as possible. Ninety days leaves time for a resident who comes
// back about the same problem, and for staff to see a pattern.
const DefaultRetention = 90 * 24 * time.Hour

// Retention says, per topic, how long closed requests are kept.
type Retention struct {
	Default  time.Duration
	PerTopic map[Topic]time.Duration
}

// For returns the retention of a topic.
func (r Retention) For(t Topic) time.Duration {
	if d, ok := r.PerTopic[t]; ok {
		return d
	}
	if r.Default > 0 {
		return r.Default
	}
	return DefaultRetention
}

// ParseRetention reads a setting such as "90" (days for every topic) or
// "90,worry=30,money=180" (a default and exceptions, in days).
func ParseRetention(s string) (Retention, error) {
	r := Retention{Default: DefaultRetention, PerTopic: map[Topic]time.Duration{}}
	if strings.TrimSpace(s) == "" {
		return r, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, value, hasTopic := strings.Cut(part, "=")
		if !hasTopic {
			value = name
		}
		days, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || days < 1 || days > 3650 {
			return r, Errorf(EINVALID, "retention %q: write whole days from 1 to 3650, such as 90 or worry=30", part)
		}
		d := time.Duration(days) * 24 * time.Hour
		if !hasTopic {
			r.Default = d
			continue
		}
		t := Topic(strings.TrimSpace(name))
		if !t.Valid() {
			return r, Errorf(EINVALID, "retention %q: unknown topic %q", part, t)
		}
		r.PerTopic[t] = d
	}
	return r, nil
}

// String writes the setting back, for logs.
func (r Retention) String() string {
	parts := []string{strconv.Itoa(int(r.For("") / (24 * time.Hour)))}
	var topics []string
	for t := range r.PerTopic {
		topics = append(topics, string(t))
	}
	sort.Strings(topics)
	for _, t := range topics {
		parts = append(parts, fmt.Sprintf("%s=%d", t, int(r.PerTopic[Topic(t)]/(24*time.Hour))))
	}
	return strings.Join(parts, ",")
}

// PurgeReport says what a purge removed (or, in a dry run, would remove):
// counts only.
type PurgeReport struct {
	Requests map[Topic]int // closed requests past their retention
	PINs     int           // sealed PIN copies older than a day
}

// Total counts the requests.
func (p PurgeReport) Total() int {
	n := 0
	for _, c := range p.Requests {
		n += c
	}
	return n
}

// PurgeStore removes what must not be kept. Purged requests leave only a
// count per topic, neighbourhood and month, for statistics.
type PurgeStore interface {
	Purge(ctx context.Context, r Retention, dryRun bool) (PurgeReport, error)
}

// Summary writes the counts, for the audit trail and the CLI.
func (p PurgeReport) Summary() string {
	var topics []string
	for t := range p.Requests {
		topics = append(topics, string(t))
	}
	sort.Strings(topics)
	parts := []string{fmt.Sprintf("%d requests", p.Total())}
	for _, t := range topics {
		parts = append(parts, fmt.Sprintf("%s %d", t, p.Requests[Topic(t)]))
	}
	return strings.Join(parts, ", ")
}
