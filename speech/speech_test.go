package speech_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"buurtloket/dialogs"
	"buurtloket/internal/shipped"
	"buurtloket/speech"
	"buurtloket/speech/speechtest"
)

func catalog(t *testing.T) *dialogs.Catalog {
	t.Helper()
	content, probs := dialogs.Load(shipped.Source())
	if content == nil {
		t.Fatal(probs)
	}
	return content.Catalog
}

// TestEveryMessageIsSpoken: every message of every shipped language, as a
// resident may hear it (placeholders filled in), yields audio from
// espeak-ng in that language's voice: at least a tenth of a second of
// sound.
func TestEveryMessageIsSpoken(t *testing.T) {
	cat := catalog(t)
	speechtest.New(t, cat, nil, "") // skips or fails without espeak-ng
	espeak, _ := exec.LookPath("espeak-ng")
	type job struct{ lang, voice, id string }
	jobs := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	count := 0
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				cmd := exec.Command(espeak, "-v", j.voice, "--stdout", "--stdin")
				cmd.Stdin = strings.NewReader(cat.Sample(j.lang, j.id))
				out, err := cmd.Output()
				mu.Lock()
				count++
				// A WAV header is 44 bytes; 22,050 samples of 2 bytes a second.
				if err != nil || len(out) < 44+4410 {
					t.Errorf("%s %s: %d bytes of audio, %v", j.lang, j.id, len(out), err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, l := range cat.Languages() {
		for _, id := range cat.IDs() {
			jobs <- job{l.Code, l.Voice, id}
		}
	}
	close(jobs)
	wg.Wait()
	if want := len(cat.Languages()) * len(cat.IDs()); count != want || want < 1000 {
		t.Fatalf("%d messages spoken, want %d", count, want)
	}
}

// TestServedAudio: the signed address of a text serves MP3 that a browser
// may keep for good; at most 16 KB per second of speech; made once; a
// changed text or a foreign signature is refused.
func TestServedAudio(t *testing.T) {
	cat := catalog(t)
	s := speechtest.New(t, cat, nil, "")
	srv := httptest.NewServer(s)
	defer srv.Close()
	text := cat.Text("tr", "start.menu.prompt")
	url := s.URL("tr", text)
	if !strings.HasPrefix(url, speech.Prefix+"tr/") || !strings.HasSuffix(url, ".mp3") {
		t.Fatalf("the address %q", url)
	}
	resp, body := get(t, srv.URL+url)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/mpeg" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	if !isMP3(body) {
		t.Fatalf("not MP3: % x", body[:min(len(body), 8)])
	}
	seconds := duration(t, "tr", text)
	if rate := float64(len(body)) / seconds; rate > 16000 || seconds < 0.5 {
		t.Fatalf("%d bytes for %.1f s of speech: %.0f bytes a second", len(body), seconds, rate)
	}
	// Made once: the second time comes from the cache, the same bytes.
	if _, again := get(t, srv.URL+url); !bytes.Equal(again, body) {
		t.Fatal("the second answer differs")
	}
	// Tampered: another text under the same signature.
	dir, token := path.Split(strings.TrimSuffix(url, ".mp3"))
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	raw[len(raw)-1] ^= 1
	if resp, _ := get(t, srv.URL+dir+base64.RawURLEncoding.EncodeToString(raw)+".mp3"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a forged address: %s", resp.Status)
	}
	if resp, _ := get(t, srv.URL+speech.Prefix+"tr/x/AAAA.mp3"); resp.StatusCode == 200 {
		t.Fatal("garbage served")
	}
	if resp, _ := http.Post(srv.URL+url, "text/plain", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %s", resp.Status)
	}
	if s.URL("tr", strings.Repeat("a", speech.MaxText+1)) != "" || s.URL("xx", "hallo") != "" {
		t.Fatal("an address for an overlong text or an unknown language")
	}
}

// TestRecordingsComeFirst: a recording of a message in the operator's
// folder is served instead of the synthesized voice, under a new address
// once it is there, and flows check counts it.
func TestRecordingsComeFirst(t *testing.T) {
	cat := catalog(t)
	dir := t.TempDir()
	s := speechtest.New(t, cat, nil, dir)
	srv := httptest.NewServer(s)
	defer srv.Close()
	text := cat.Text("ar", "start.menu.prompt")
	before := s.URL("ar", text)
	_, synthesized := get(t, srv.URL+before)

	recorded := append([]byte{0xFF, 0xFB, 0x90, 0x64}, bytes.Repeat([]byte{0x55}, 400)...) // an MP3 frame header, and stand-in audio
	os.MkdirAll(filepath.Join(dir, "ar"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "ar", "start.menu.prompt.mp3"), recorded, 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ar", "no.such.message.mp3"), recorded, 0o644)
	s.SetCatalog(cat) // as a reload does
	after := s.URL("ar", text)
	if after == before {
		t.Fatal("the address did not change with the recording")
	}
	if _, body := get(t, srv.URL+after); !bytes.Equal(body, recorded) {
		t.Fatalf("served %d bytes, not the recording", len(body))
	}
	// The old address serves what speaks now, and may not be kept.
	if resp, body := get(t, srv.URL+before); !bytes.Equal(body, recorded) || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("the old address: %v, recording %v", resp.Header, bytes.Equal(body, recorded))
	}
	if bytes.Equal(synthesized, recorded) {
		t.Fatal("the test's recording is the synthesized audio")
	}
	reports, err := speech.Check(cat, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		switch {
		case r.Lang == "ar" && (r.Recorded != 1 || r.Synthesized != len(cat.IDs())-1 || len(r.Stray) != 1):
			t.Errorf("ar: %+v", r)
		case r.Lang != "ar" && (r.Recorded != 0 || !r.HasVoice || r.Missing != 0):
			t.Errorf("%s: %+v", r.Lang, r)
		}
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.Bytes()
}

// isMP3 tells MP3 by an ID3 tag or a frame's sync bits.
func isMP3(b []byte) bool {
	return len(b) > 4 && (bytes.HasPrefix(b, []byte("ID3")) || (b[0] == 0xFF && b[1]&0xE0 == 0xE0))
}

// duration is how long espeak-ng speaks text, from its WAV.
func duration(t *testing.T, lang, text string) float64 {
	t.Helper()
	cmd := exec.Command("espeak-ng", "-v", lang, "--stdout", "--stdin")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return float64(len(out)-44) / (22050 * 2)
}
