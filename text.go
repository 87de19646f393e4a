package buurtloket

import (
	"strings"
	"unicode/utf8"
)

// CleanText is the one rule for every text a resident (or staff) writes,
// before it is stored or shown: what no keyboard sends, and what would let
// a text look different on a staff screen from what it holds, goes.
//
//   - Control characters (C0, DEL and C1) are removed, except tab and line
//     feed: an escape sequence could rewrite a terminal, a NUL cuts a text
//     short (and PostgreSQL refuses it).
//   - Every line break (CR LF, CR, U+0085, U+2028, U+2029) becomes "\n".
//   - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) are removed: they can show "01-06" as "60-10" or a
//     name backwards. The marks U+200E, U+200F and U+061C stay: they only
//     place punctuation within right-to-left text.
//   - Invisible characters that join or split nothing a reader sees are
//     removed (U+200B, U+2060, U+FEFF, U+180E); the zero-width (non-)joiners
//     U+200C and U+200D stay: Persian and Arabic words and emoji need them.
//   - Bytes that are not UTF-8 are removed, and the result is trimmed.
func CleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// not UTF-8
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			// a control character
		case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			// bidirectional formatting
		case r == '\u200b' || r == '\u2060' || r == '\ufeff' || r == '\u180e':
			// invisible
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// hasControl reports whether s holds a character that CleanText would
// remove or change: such a character has no place in a name or an ID.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\u2028' || r == '\u2029' ||
			r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' ||
			r == '\u200b' || r == '\u2060' || r == '\ufeff' || r == '\u180e' {
			return true
		}
	}
	return false
}
