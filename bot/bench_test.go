package bot

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"buurtloket/bot/bottest"
)

// BenchmarkWebhook sends updates to the bot's webhook over HTTP as
// Telegram does, from 64 chats at once, each waiting for the bot's answer
// (at the fake Bot API server) before its next update, and reports
// updates handled per second and the time from an update's arrival to its
// answer (p50, p99). Each update is kept in the store, its chat taken,
// handled (a command, one sendMessage) and given back: four writes.
//
//	CI=true go test -run '^$' -bench Webhook -benchtime 20000x ./bot/
func BenchmarkWebhook(b *testing.B) {
	e := newEnvLogged(b, benchLog)
	const chats = 64
	answered := make([]chan struct{}, chats)
	for i := range answered {
		answered[i] = make(chan struct{}, 16)
	}
	e.fake.OnSend(func(chat int64) {
		if i := chat - 1_000_000; i >= 0 && i < chats {
			answered[i] <- struct{}{}
		}
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: chats}}
	post := func(update []byte) {
		req, _ := http.NewRequest("POST", e.a.webhook.URL, bytes.NewReader(update))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		resp.Body.Close()
	}
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	per := b.N / chats
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < chats; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := bottest.User{ID: int64(1_000_000 + c), Lang: "nl"}
			mine := make([]time.Duration, 0, per)
			for i := 0; i < per; i++ {
				t0 := time.Now()
				post(bottest.TextUpdate(e.nextID.Add(1), u, "/help"))
				select {
				case <-answered[c]:
				case <-time.After(10 * time.Second):
					b.Error("no answer in 10 s")
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "updates/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	// The tail, for whoever looks closer.
	b.Logf("p90 %v, p95 %v, p99.9 %v, max %v", latencies[len(latencies)*90/100], latencies[len(latencies)*95/100],
		latencies[len(latencies)*999/1000], latencies[len(latencies)-1])
}

// BenchmarkIdleConversation is the memory an idle conversation keeps in
// the process: its state is in the store, so it should be next to
// nothing. It opens b.N chats (each at the start menu) and reports the
// heap they leave after a collection.
//
//	CI=true go test -run '^$' -bench IdleConversation -benchtime 2000x ./bot/
func BenchmarkIdleConversation(b *testing.B) {
	e := newEnv(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.a.post(b, bottest.TextUpdate(e.nextID.Add(1), bottest.User{ID: int64(2_000_000 + i), Lang: "nl"}, "/start"))
	}
	if !e.fake.WaitFor(time.Minute, func() bool { return len(e.fake.Calls("sendMessage")) >= b.N }) {
		b.Fatalf("%d of %d chats answered", len(e.fake.Calls("sendMessage")), b.N)
	}
	b.StopTimer()
	time.Sleep(200 * time.Millisecond) // the last chats given back
	e.fake.Reset()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/chat")
}

var benchLog io.Writer = io.Discard
