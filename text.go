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
//     removed (invisible: zero-width space, soft hyphen, tag characters and
//     more); the zero-width (non-)joiners U+200C and U+200D stay: Persian
//     and Arabic words and emoji need them.
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
		case invisible(r):
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
			invisible(r) {
			return true
		}
	}
	return false
}

// invisible reports the characters that show nothing and join or split
// nothing a reader sees, so that a text could hide words in them: the
// zero-width space and word joiner, the byte order mark, the Mongolian
// vowel separator, the invisible operators (U+2061–U+2064), the soft
// hyphen, the Hangul fillers, and the tag characters (U+E0000–U+E007F).
func invisible(r rune) bool {
	switch {
	case r == '\u200b', r == '\u2060', r == '\ufeff', r == '\u180e', r == '\u00ad':
		return true
	case r >= '\u2061' && r <= '\u2064':
		return true
	case r == '\u115f', r == '\u1160', r == '\u3164', r == '\uffa0':
		return true
	case r >= 0xe0000 && r <= 0xe007f:
		return true
	}
	return false
}
