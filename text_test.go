package buurtloket

import "testing"

func TestCleanText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Dank u, na 14 uur graag.", "Dank u, na 14 uur graag."},
		{"trimmed", "  \t hallo \n ", "hallo"},
		{"tab and line feed stay", "a\tb\nc", "a\tb\nc"},
		{"NUL", "a\x00b", "ab"},
		{"escape sequence", "a\x1b[2Jb", "a[2Jb"},
		{"bell and backspace", "a\x07\x08b", "ab"},
		{"DEL", "a\x7fb", "ab"},
		{"C1 control", "a\u009bb", "ab"},
		{"CR LF", "a\r\nb", "a\nb"},
		{"lone CR", "a\rb\r\rc", "a\nb\n\nc"},
		{"next line", "a\u0085b", "a\nb"},
		{"line separator", "a\u2028b", "a\nb"},
		{"paragraph separator", "a\u2029b", "a\nb"},
		{"right-to-left override", "invoice\u202egpj.exe", "invoicegpj.exe"},
		{"embeddings and pop", "\u202aa\u202bb\u202cc\u202dd", "abcd"},
		{"isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"zero-width space", "an\u200bna", "anna"},
		{"word joiner", "a\u2060b", "ab"},
		{"byte order mark", "\ufeffhallo", "hallo"},
		{"Mongolian vowel separator", "a\u180eb", "ab"},
		{"soft hyphen", "huur\u00adachterstand", "huurachterstand"},
		{"invisible operators", "a\u2061b\u2062c\u2063d\u2064e", "abcde"},
		{"Hangul fillers", "a\u115fb\u1160c\u3164d\uffa0e", "abcde"},
		{"tag characters", "a\U000e0041\U000e007fb", "ab"},
		{"zero-width non-joiner stays", "می\u200cخواهم", "می\u200cخواهم"},
		{"zero-width joiner stays", "👩\u200d👧", "👩\u200d👧"},
		{"right-to-left mark stays", "\u200fשלום", "\u200fשלום"},
		{"Arabic", "الإيجار متأخر", "الإيجار متأخر"},
		{"not UTF-8", "a\xffb", "ab"},
		{"a real replacement character stays", "a\ufffdb", "a\ufffdb"},
		{"only controls", "\x00\u202e\u200b\x1b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if got := CleanText(tt.want); got != tt.want {
				t.Errorf("not idempotent: CleanText(%+q) = %+q", tt.want, got)
			}
		})
	}
}
