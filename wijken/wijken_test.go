package wijken

import (
	"strings"
	"testing"
)

func TestSchiedam(t *testing.T) {
	s := Schiedam()
	for pc, want := range map[string]string{"3117 AB": "Nieuwland", "3111": "Centrum", "3011 AB": "", "31": "", "": ""} {
		if got := s.Lookup(pc); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", pc, got, want)
		}
	}
	if len(s.Names()) < 5 {
		t.Errorf("names %v", s.Names())
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"3111,Centrum\n311,Oost\n":       "line 2: want four digits",
		"# c\n3111,Centrum\n3111,Oost\n": "line 3: postcode 3111 appears twice",
		"3111,\n":                        "line 1: the neighbourhood's name is empty",
		"# only comments\n":              "the table is empty",
		"0111,Nowhere\n":                 "line 1: want four digits",
		"3111;Centrum\n":                 "line 1: want four digits",
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want %q", in, err, want)
		}
	}
}
