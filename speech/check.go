package speech

import (
	"fmt"
	"os/exec"

	"buurtloket/dialogs"
)

// Report is how one language is read aloud: how many of its messages are
// recorded and how many synthesized, and by which voice.
type Report struct {
	Lang        string
	Voice       string // the espeak-ng voice named for it
	HasVoice    bool   // espeak-ng has that voice
	Recorded    int
	Synthesized int
	Missing     int      // neither recorded nor with a voice to synthesize them
	Stray       []string // recordings of no message
}

// Check reports, per shipped language, how its messages are read aloud,
// for `flows check`. espeak is the espeak-ng program ("": looked up); an
// error says it is not there, and then only recordings speak.
func Check(cat *dialogs.Catalog, recordings, espeak string) ([]Report, error) {
	voices := map[string]bool{}
	path, err := exec.LookPath(orDefault(espeak, "espeak-ng"))
	if err == nil {
		if voices, err = Voices(path); err != nil {
			err = fmt.Errorf("espeak-ng lists no voices: %v", err)
		}
	} else {
		err = fmt.Errorf("espeak-ng is not installed (make deps)")
	}
	ids := cat.IDs()
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	var out []Report
	for _, l := range cat.Languages() {
		r := Report{Lang: l.Code, Voice: l.Voice, HasVoice: voices[l.Voice]}
		rec := Recordings(recordings, l.Code)
		for _, id := range ids {
			switch {
			case rec[id] != "":
				r.Recorded++
			case r.HasVoice:
				r.Synthesized++
			default:
				r.Missing++
			}
		}
		for id := range rec {
			if !known[id] {
				r.Stray = append(r.Stray, id)
			}
		}
		out = append(out, r)
	}
	return out, err
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
