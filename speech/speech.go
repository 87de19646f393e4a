// Package speech reads the flows' texts aloud, for residents who cannot
// read them. A text is spoken from the operator's recording of its message
// when there is one (a folder of <lang>/<message-id>.mp3), else it is
// synthesized with espeak-ng and encoded as MP3 by lame (about 3 KB per
// second of speech), and cached on disk. Pages and the bot get a signed
// URL per text: the URL holds the text and the server's signature, so
// that any instance with the same key serves it and no one can have the
// service speak words that are not its own.
package speech

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
)

// MaxText bounds a text to speak: far above the longest flow text.
const MaxText = 2000

// Prefix is where the audio is served.
const Prefix = "/speech/"

// bitrate is lame's constant bit rate in kbit/s, for mono speech at 16 kHz:
// 3 KB per second, well under the 16 KB a second of speech may take.
const bitrate = 24

// Config says where recordings and the cache are, and which programs speak.
type Config struct {
	// Recordings is the operator's folder of recorded messages:
	// <lang>/<message-id>.mp3 (empty: none).
	Recordings string
	// Cache is where synthesized audio is kept (made when missing).
	Cache string
	// Espeak and Lame are the programs; empty: looked up on the PATH.
	Espeak, Lame string
	// Sealer signs the URLs; every instance needs the same key.
	Sealer *buurtloket.Sealer
	Logger *slog.Logger
}

// Speaker serves spoken texts.
type Speaker struct {
	cfg    Config
	voices map[string]bool // espeak-ng's voices
	index  atomic.Pointer[index]
	sem    chan struct{} // synthesis at once: it takes a core each

	mu     sync.Mutex
	flight map[string]*flight
}

type flight struct {
	done chan struct{}
	err  error
}

// ErrUnavailable says that read-aloud is off, and why.
var ErrUnavailable = errors.New("read-aloud is off")

// New checks that espeak-ng and lame are there, learns espeak-ng's
// voices, and indexes the catalog's messages and the recordings.
func New(cfg Config, cat *dialogs.Catalog) (*Speaker, error) {
	if cfg.Sealer == nil || cfg.Cache == "" {
		return nil, errors.New("speech needs a sealer and a cache folder")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var err error
	if cfg.Espeak, err = program(cfg.Espeak, "espeak-ng"); err != nil {
		return nil, err
	}
	if cfg.Lame, err = program(cfg.Lame, "lame"); err != nil {
		return nil, err
	}
	voices, err := Voices(cfg.Espeak)
	if err != nil {
		return nil, fmt.Errorf("%w: espeak-ng lists no voices: %v", ErrUnavailable, err)
	}
	if err := os.MkdirAll(cfg.Cache, 0o700); err != nil {
		return nil, err
	}
	s := &Speaker{cfg: cfg, voices: voices, sem: make(chan struct{}, 2), flight: map[string]*flight{}}
	s.SetCatalog(cat)
	return s, nil
}

func program(path, name string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not installed (make deps, or apt-get install -y espeak-ng lame)", ErrUnavailable, name)
	}
	return p, nil
}

// Voices lists the voices an espeak-ng program has (nl, en-gb, ar …).
func Voices(espeak string) (map[string]bool, error) {
	out, err := exec.Command(espeak, "--voices").Output()
	if err != nil {
		return nil, err
	}
	voices := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n")[1:] {
		if f := strings.Fields(line); len(f) >= 2 {
			voices[f[1]] = true
		}
	}
	if len(voices) == 0 {
		return nil, errors.New("none")
	}
	return voices, nil
}

// index maps the current catalog's texts back to their message IDs, for
// the recordings, and knows each language's voice.
type index struct {
	voice    map[string]string            // lang -> espeak voice, when espeak-ng has it
	messages map[string]map[string]string // lang -> text -> message ID
	recorded map[string]map[string]string // lang -> message ID -> file
}

// SetCatalog indexes a catalog (at start and on every reload).
func (s *Speaker) SetCatalog(cat *dialogs.Catalog) {
	x := &index{voice: map[string]string{}, messages: map[string]map[string]string{}, recorded: map[string]map[string]string{}}
	for _, l := range cat.Languages() {
		if s.voices[l.Voice] {
			x.voice[l.Code] = l.Voice
		}
		texts := map[string]string{}
		for _, id := range cat.IDs() {
			texts[cat.Text(l.Code, id)] = id
		}
		x.messages[l.Code] = texts
		x.recorded[l.Code] = Recordings(s.cfg.Recordings, l.Code)
	}
	s.index.Store(x)
}

// Recordings lists the recorded messages of a language in dir: message ID
// to file.
func Recordings(dir, lang string) map[string]string {
	out := map[string]string{}
	if dir == "" {
		return out
	}
	files, _ := filepath.Glob(filepath.Join(dir, lang, "*.mp3"))
	for _, f := range files {
		out[strings.TrimSuffix(filepath.Base(f), ".mp3")] = f
	}
	return out
}

// Speaks tells whether texts in lang can be read aloud.
func (s *Speaker) Speaks(lang string) bool {
	x := s.index.Load()
	return x.voice[lang] != "" || len(x.recorded[lang]) > 0
}

// URL is the address of text spoken in lang, or "" when lang has no voice
// or the text is not one to speak. The address holds the text, signed,
// and the version of what speaks it, so that a browser may keep it.
func (s *Speaker) URL(lang, text string) string {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxText || !s.Speaks(lang) {
		return ""
	}
	body := append(s.sign(lang, text), text...)
	return Prefix + lang + "/" + s.version(lang, text) + "/" + base64.RawURLEncoding.EncodeToString(body) + ".mp3"
}

func (s *Speaker) sign(lang, text string) []byte {
	return s.cfg.Sealer.Sign("speech", []byte(lang+"\x00"+text))[:16]
}

// version names what speaks a text: its recording (by size and time), or
// the voice, so that a new recording gets a new address.
func (s *Speaker) version(lang, text string) string {
	x := s.index.Load()
	h := sha256.New()
	if f := s.recording(x, lang, text); f != "" {
		if st, err := os.Stat(f); err == nil {
			fmt.Fprintf(h, "rec\x00%s\x00%d\x00%d", f, st.Size(), st.ModTime().UnixNano())
		}
	} else {
		fmt.Fprintf(h, "espeak\x00%s\x00%d", x.voice[lang], bitrate)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

func (s *Speaker) recording(x *index, lang, text string) string {
	if id, ok := x.messages[lang][text]; ok {
		return x.recorded[lang][id]
	}
	return ""
}

// ServeHTTP serves /speech/<lang>/<version>/<text>.mp3.
func (s *Speaker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "GET only", http.StatusMethodNotAllowed)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	if len(parts) != 3 || !strings.HasSuffix(parts[2], ".mp3") || len(parts[2]) > 4*MaxText {
		http.NotFound(w, r)
		return
	}
	lang, version := parts[0], parts[1]
	body, err := base64.RawURLEncoding.DecodeString(strings.TrimSuffix(parts[2], ".mp3"))
	if err != nil || len(body) <= 16 {
		http.NotFound(w, r)
		return
	}
	text := string(body[16:])
	if !hmac.Equal(body[:16], s.sign(lang, text)) {
		http.Error(w, "not a text of this service", http.StatusForbidden)
		return
	}
	file, err := s.Audio(r.Context(), lang, text)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			http.Error(w, "this language is not read aloud", http.StatusNotFound)
			return
		}
		s.cfg.Logger.Error("speech could not be made", "lang", lang, "error", err)
		http.Error(w, "the audio could not be made; try again", http.StatusServiceUnavailable)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		http.Error(w, "the audio could not be read; try again", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	st, _ := f.Stat()
	w.Header().Set("Content-Type", "audio/mpeg")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if version == s.version(lang, text) {
		// The address names the text and what speaks it: it never changes.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache") // an old address: what speaks it now
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// Audio returns the file that speaks text in lang: its recording, or the
// synthesized audio, made once and kept in the cache.
func (s *Speaker) Audio(ctx context.Context, lang, text string) (string, error) {
	x := s.index.Load()
	if f := s.recording(x, lang, text); f != "" {
		return f, nil
	}
	voice := x.voice[lang]
	if voice == "" {
		return "", fmt.Errorf("%w for %s: espeak-ng has no voice for it", ErrUnavailable, lang)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", voice, bitrate, text)))
	file := filepath.Join(s.cfg.Cache, hex.EncodeToString(sum[:])+".mp3")
	if _, err := os.Stat(file); err == nil {
		return file, nil
	}
	// One synthesis per text at a time; others wait for it.
	s.mu.Lock()
	if f, ok := s.flight[file]; ok {
		s.mu.Unlock()
		select {
		case <-f.done:
			return file, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	s.flight[file] = f
	s.mu.Unlock()
	f.err = s.synthesize(voice, text, file)
	s.mu.Lock()
	delete(s.flight, file)
	s.mu.Unlock()
	close(f.done)
	return file, f.err
}

// synthesize speaks text with espeak-ng and encodes it with lame, into
// file. It goes on when the asker leaves: the next one gets it from the
// cache.
func (s *Speaker) synthesize(voice, text, file string) error {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp(s.cfg.Cache, "synth-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wav, mp3 := filepath.Join(dir, "s.wav"), filepath.Join(dir, "s.mp3")
	// The text comes on standard input, never as an argument: it is read
	// as text whatever it starts with.
	speak := exec.CommandContext(ctx, s.cfg.Espeak, "-v", voice, "-w", wav, "--stdin")
	speak.Stdin = strings.NewReader(text)
	if out, err := speak.CombinedOutput(); err != nil {
		return fmt.Errorf("espeak-ng: %v: %s", err, strings.TrimSpace(string(out)))
	}
	encode := exec.CommandContext(ctx, s.cfg.Lame, "--quiet", "-m", "m", "--resample", "16", "-b", fmt.Sprint(bitrate), "--cbr", wav, mp3)
	if out, err := encode.CombinedOutput(); err != nil {
		return fmt.Errorf("lame: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if st, err := os.Stat(mp3); err != nil || st.Size() == 0 {
		return errors.New("lame made no audio")
	}
	return os.Rename(mp3, file)
}
