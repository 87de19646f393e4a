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
	"math/rand/v2"
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
	restart := flag.Duration("restart", 0, "after answering, wait this long for the server to be restarted (by you), reconnect every session as the page does, and check that each resumes at its step")
	flag.Parse()
	if err := run(*base, *sessions, *rate, *duration, *dialers, *settle, *restart); err != nil {
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
	ws     *websocket.Conn
	step   int
	cookie string // the page's session cookie: it names the stored session
	at     string // the step of the last view ("money/letters")
}

// open opens session i as a resident's phone would. Each session seems to
// come from an address of its own (X-Real-IP, in the benchmarking range
// 198.18.0.0/15), as residents behind a reverse proxy do: run serve with
// --trust-proxy, or its limits per address refuse all but the first few.
func open(base *url.URL, origin string, i int) (*session, error) {
	req, _ := http.NewRequest("GET", base.String()+"/", nil)
	req.Header.Set("X-Real-IP", fmt.Sprintf("198.18.%d.%d", i/250, 1+i%250))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, fmt.Errorf("refused as too many new sessions from one address: start buurtloket serve with --trust-proxy")
	}
	s := &session{}
	for _, c := range resp.Cookies() {
		s.cookie = c.Name + "=" + c.Value
	}
	return s, s.connect(base, origin)
}

// connect opens the session's WebSocket and reads the first view.
func (s *session) connect(base *url.URL, origin string) error {
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+base.Host+"/ws", http.Header{"Origin": {origin}, "Cookie": {s.cookie}})
	if err != nil {
		return err
	}
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		ws.Close()
		return err
	}
	s.ws = ws
	s.at, err = stepOf(msg)
	return err
}

// stepOf returns the step a view frame shows.
func stepOf(msg []byte) (string, error) {
	var f struct {
		Type string `json:"type"`
		View struct {
			Flow string `json:"flow"`
			Step string `json:"step"`
		} `json:"view"`
	}
	if err := json.Unmarshal(msg, &f); err != nil || f.Type != "view" {
		return "", fmt.Errorf("not a view: %.80s", msg)
	}
	return f.View.Flow + "/" + f.View.Step, nil
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
	d := time.Since(start)
	s.at, err = stepOf(msg)
	return d, err
}

func run(rawBase string, n, rate int, duration time.Duration, dialers int, settle, restart time.Duration) error {
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
				s, err := open(base, origin, i)
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
	var restarted error
	if restart > 0 {
		restarted = reconnectAll(base, origin, all, restart)
	}
	for _, s := range all {
		if s.ws != nil {
			s.ws.Close()
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return fmt.Errorf("no answer got a view")
	}
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Printf("answers: %d in %v = %.0f/s; failures or missed turns: %d\n", len(lat), elapsed.Round(time.Millisecond), float64(len(lat))/elapsed.Seconds(), failures.Load())
	fmt.Printf("latency: p50 %v  p90 %v  p99 %v  max %v\n", pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Printf("server resident memory: %.1f MB with %d idle sessions, %.1f MB while answering\n", rssIdle/1e6, n, rssBusy/1e6)
	return restarted
}

// reconnectAll waits for the server to drop every session (a restart),
// then reconnects each one as the page does (after 0.5 s, doubling up to
// 5 s, each wait spread by ±50%) and checks that it resumes at the step it
// was at. Sessions whose answer failed above are left out.
func reconnectAll(base *url.URL, origin string, all []*session, wait time.Duration) error {
	fmt.Printf("answering done: restart the server now (waiting up to %v)\n", wait)
	deadline := time.Now().Add(wait)
	var firstDrop, lastBack atomic.Int64 // unix nanoseconds
	var back, resumed, elsewhere, lost atomic.Int64
	var wg sync.WaitGroup
	for _, s := range all {
		if s.ws == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := s.at
			s.ws.SetReadDeadline(deadline)
			for { // until the server drops the connection; pings are answered while reading
				if _, _, err := s.ws.ReadMessage(); err != nil {
					break
				}
			}
			s.ws.Close()
			s.ws = nil
			firstDrop.CompareAndSwap(0, time.Now().UnixNano())
			retry := 500 * time.Millisecond
			for {
				time.Sleep(time.Duration(float64(retry) * (0.5 + rand.Float64())))
				if time.Now().After(deadline) {
					lost.Add(1)
					return
				}
				if err := s.connect(base, origin); err == nil {
					break
				}
				retry = min(retry*2, 5*time.Second)
			}
			now := time.Now().UnixNano()
			for last := lastBack.Load(); now > last && !lastBack.CompareAndSwap(last, now); last = lastBack.Load() {
			}
			back.Add(1)
			if s.at == want {
				resumed.Add(1)
			} else {
				elsewhere.Add(1)
			}
		}()
	}
	wg.Wait()
	if back.Load() == 0 {
		return fmt.Errorf("restart: no session came back (%d lost)", lost.Load())
	}
	fmt.Printf("restart: %d sessions back %.1f s after the first was dropped; resumed at their step: %d, elsewhere: %d, not back: %d\n",
		back.Load(), time.Duration(lastBack.Load()-firstDrop.Load()).Seconds(), resumed.Load(), elsewhere.Load(), lost.Load())
	if elsewhere.Load() > 0 || lost.Load() > 0 {
		return fmt.Errorf("restart: %d sessions did not resume at their step, %d did not come back", elsewhere.Load(), lost.Load())
	}
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
