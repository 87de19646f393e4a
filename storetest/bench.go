package storetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
)

// BenchmarkSubmit measures durable submissions with 1, 8 and 64
// concurrent submitters, each on a fresh store that open returns, and
// reports submissions per second and the p50/p99 latency of one
// acknowledgement. A store package's BenchmarkSubmit calls it, so that the
// names (BenchmarkSubmit/submitters=64) stay comparable over time.
func BenchmarkSubmit[D requests.DB](b *testing.B, open func(testing.TB) D) {
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("submitters=%d", n), func(b *testing.B) {
			benchmarkSubmit(b, Open(b, open(b)), n)
		})
	}
}

func benchmarkSubmit(b *testing.B, s buurtloket.RequestStore, submitters int) {
	ctx := context.Background()
	var next atomic.Int64
	lat := make([][]time.Duration, submitters)
	prefix := fmt.Sprintf("bench-%d-%d", submitters, time.Now().UnixNano())
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < submitters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				t0 := time.Now()
				if _, err := s.Submit(ctx, NewRequest(fmt.Sprintf("%s-%d", prefix, n))); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "submits/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}

// FillInbox stores n open requests with mixed priorities and topics.
func FillInbox(tb testing.TB, s buurtloket.RequestStore, n int) {
	ctx := context.Background()
	priorities := []buurtloket.Priority{buurtloket.PriorityNormal, buurtloket.PriorityHigh, buurtloket.PriorityUrgent}
	topics := buurtloket.Topics
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				r := NewRequest(fmt.Sprintf("fill-%d", i))
				r.Priority = priorities[i%3]
				r.Topic = topics[i%int64(len(topics))]
				r.Contact = &buurtloket.Contact{Name: "N", Phone: "0612345678"}
				if _, err := s.Submit(ctx, r); err != nil {
					tb.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkInboxPage measures loading one page of 50 from the middle of
// an inbox of 10,000 open requests, as a staff member paging would.
func BenchmarkInboxPage[D requests.DB](b *testing.B, open func(testing.TB) D) {
	s := Open(b, open(b))
	FillInbox(b, s, 10000)
	ctx := context.Background()
	first, err := s.Inbox(ctx, buurtloket.InboxQuery{Limit: 200})
	if err != nil || first.Next == nil {
		b.Fatal(err, "the inbox must be filled first")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		page, err := s.Inbox(ctx, buurtloket.InboxQuery{Limit: 50, After: first.Next})
		if err != nil || len(page.Requests) != 50 {
			b.Fatal(err, len(page.Requests))
		}
	}
}
