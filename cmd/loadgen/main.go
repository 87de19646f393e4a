// Command loadgen holds many WebSocket sessions open against a running
// buurtloket and answers flows at a steady rate, to measure what the web
// channel promises: memory per session and the latency of an answer (from
// sending the input to receiving the next view). It only talks to the
// address it is given; point it at a server on this machine.
//
//	buurtloket serve --addr 127.0.0.1:8080 &
//	go run ./cmd/loadgen -url http://127.0.0.1:8080 -sessions 10000 -rate 2000 -duration 30s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the buurtloket to load (on this machine)")
	sessions := flag.Int("sessions", 1000, "WebSocket sessions to hold open")
	rate := flag.Int("rate", 500, "answers per second, over all sessions")
	duration := flag.Duration("duration", 20*time.Second, "how long to answer")
	dialers := flag.Int("dialers", 64, "sessions opened at once")
	settle := flag.Duration("settle", 0, "wait this long after opening before measuring idle memory; keep it under 60s: idle sessions here do not answer the server's pings, and it drops them after 60s")
	flag.Parse()
	if err := run(*base, *sessions, *rate, *duration, *dialers, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// A session walks the money flow to its self-help end and starts again:
// every answer is a step and a stored session, no request is submitted.
var script = []map[string]string{
	{"type": "choose", "choice": "money"},
	{"type": "choose", "choice": "rent"},
	{"type": "choose", "choice": "one_month"},
	{"type": "choose", "choice": "none"},
	{"type": "choose", "choice": "enough"},
	{"type": "restart"},
}

type session struct {
	ws   *websocket.Conn
	step int
}

func open(base *url.URL, origin string) (*session, error) {
	resp, err := http.Get(base.String() + "/")
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+base.Host+"/ws", http.Header{"Origin": {origin}, "Cookie": {cookie}})
	if err != nil {
		return nil, err
	}
	if _, _, err := ws.ReadMessage(); err != nil { // the first view
		return nil, err
	}
	return &session{ws: ws}, nil
}

func (s *session) answer() (time.Duration, error) {
	in := script[s.step%len(script)]
	s.step++
	data, _ := json.Marshal(map[string]any{"type": "input", "input": in})
	start := time.Now()
	if err := s.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return 0, err
	}
	s.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, msg, err := s.ws.ReadMessage()
	if err != nil {
		return 0, err
	}
	if !strings.Contains(string(msg[:min(len(msg), 40)]), `"view"`) {
		return 0, fmt.Errorf("not a view: %.80s", msg)
	}
	return time.Since(start), nil
}

func run(rawBase string, n, rate int, duration time.Duration, dialers int, settle time.Duration) error {
	base, err := url.Parse(rawBase)
	if err != nil || base.Host == "" {
		return fmt.Errorf("bad -url %q", rawBase)
	}
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = dialers
	origin := base.Scheme + "://" + base.Host
	fmt.Printf("opening %d sessions against %s\n", n, base.Host)
	all := make([]*session, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var openErr atomic.Value
	t0 := time.Now()
	for d := 0; d < dialers; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || openErr.Load() != nil {
					return
				}
				s, err := open(base, origin)
				if err != nil {
					openErr.Store(fmt.Errorf("session %d: %w", i, err))
					return
				}
				all[i] = s
			}
		}()
	}
	wg.Wait()
	if err, _ := openErr.Load().(error); err != nil {
		return err
	}
	fmt.Printf("opened %d sessions in %v\n", n, time.Since(t0).Round(time.Millisecond))
	rssOpened := residentMemory(base)
	rssIdle := rssOpened
	if settle > 0 {
		time.Sleep(settle)
		rssIdle = residentMemory(base)
		fmt.Printf("server resident memory: %.1f MB right after opening, %.1f MB after %v idle\n", rssOpened/1e6, rssIdle/1e6, settle)
	}

	// Answer at the rate: a ticker hands out turns; each session answers
	// one at a time, in turn.
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	turns := make(chan *session, n)
	for _, s := range all {
		turns <- s
	}
	var mu sync.Mutex
	var lat []time.Duration
	var failures atomic.Int64
	// Every 10 ms, hand out the turns due by then: a finer ticker cannot
	// keep its pace on a busy machine.
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	var answering sync.WaitGroup
	start := time.Now()
	handed := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-ticker.C:
		}
		due := int(time.Since(start).Seconds()*float64(rate)) - handed
		for ; due > 0; due-- {
			handed++
			select {
			case s := <-turns:
				answering.Add(1)
				go func() {
					defer answering.Done()
					d, err := s.answer()
					if err != nil {
						failures.Add(1)
						return
					}
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
					turns <- s
				}()
			default: // every session is busy: the server is behind
				failures.Add(1)
			}
		}
	}
	answering.Wait()
	elapsed := time.Since(start)
	rssBusy := residentMemory(base)
	for _, s := range all {
		s.ws.Close()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return fmt.Errorf("no answer got a view")
	}
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Printf("answers: %d in %v = %.0f/s; failures or missed turns: %d\n", len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), failures.Load())
	fmt.Printf("latency: p50 %v  p90 %v  p99 %v  max %v\n", pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Printf("server resident memory: %.1f MB with %d idle sessions, %.1f MB while answering\n", rssIdle/1e6, n, rssBusy/1e6)
	return nil
}

// residentMemory reads process_resident_memory_bytes from the server's
// /metrics, or 0.
func residentMemory(base *url.URL) float64 {
	resp, err := http.Get(base.String() + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "process_resident_memory_bytes ") {
			var v float64
			fmt.Sscanf(strings.TrimPrefix(line, "process_resident_memory_bytes "), "%g", &v)
			return v
		}
	}
	return 0
}
