package main

import (
	"os"
	"path/filepath"
	"strings"

	"buurtloket/speech"
)

// Read aloud (package speech): on when espeak-ng and lame are installed.

// openSpeech makes the speaker, or says loudly that read-aloud is off.
func (s *Server) openSpeech() {
	cache := s.SpeechCache
	if cache == "" {
		cache = defaultSpeechCache(s.DB)
	}
	sp, err := speech.New(speech.Config{Recordings: s.Recordings, Cache: cache, Sealer: s.sealer, Logger: s.Logger}, s.engine.Load().Content().Catalog)
	if err != nil {
		s.speechOff = err.Error()
		s.Logger.Warn("READ-ALOUD IS OFF: the pages show no read-aloud button and the bot sends no voice", "why", err.Error())
		return
	}
	s.speech = sp
	var silent []string
	for _, l := range s.engine.Load().Content().Catalog.Languages() {
		if !sp.Speaks(l.Code) {
			silent = append(silent, l.Code)
		}
	}
	if len(silent) > 0 {
		s.Logger.Warn("read-aloud has no voice for some languages; run buurtloket flows check", "languages", strings.Join(silent, ","))
	}
	s.Logger.Info("read-aloud on", "cache", cache, "recordings", s.Recordings)
}

// defaultSpeechCache is beside an SQLite file, else in the user's cache.
func defaultSpeechCache(db string) string {
	if !strings.Contains(db, "://") {
		return filepath.Join(filepath.Dir(db), "speech-cache")
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "buurtloket", "speech")
	}
	return filepath.Join(os.TempDir(), "buurtloket-speech")
}
