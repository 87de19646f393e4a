package buurtloket

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// TicketAlphabet has no characters that look alike on a screen or sound
// alike when read aloud or written by hand: no 0/O, 1/I/L, 5/S, 2/Z, 8/B,
// U/V. Its size is even, which the Luhn mod N check character needs.
const TicketAlphabet = "34679ACDEFGHJKMNPQRTUWXY"

const ticketLen = 8 // 7 random characters and a check character: 24^7 ≈ 4.6·10^9 codes

// NewTicket returns a random ticket code such as K7QM-3XHD. The last
// character is a check character (Luhn mod 24): it catches every single
// mistyped character, and every swap of two neighbours except 3 and Y.
func NewTicket() string {
	var b [ticketLen - 1]byte
	for i := range b {
		b[i] = TicketAlphabet[randIndex(len(TicketAlphabet))]
	}
	code := string(b[:]) + string(checkChar(string(b[:])))
	return code[:4] + "-" + code[4:]
}

// NormalizeTicket reads a ticket code as a person types it: any case, with
// or without the dash and spaces. It returns the canonical form and whether
// the code is well formed with a matching check character. Characters
// outside the alphabet are refused, never guessed.
func NormalizeTicket(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ':
			continue
		case strings.ContainsRune(TicketAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	code := b.String()
	if len(code) != ticketLen || checkChar(code[:ticketLen-1]) != code[ticketLen-1] {
		return "", false
	}
	return code[:4] + "-" + code[4:], true
}

// checkChar computes the Luhn mod N check character over the alphabet.
func checkChar(payload string) byte {
	n := len(TicketAlphabet)
	factor, sum := 2, 0
	for i := len(payload) - 1; i >= 0; i-- {
		addend := factor * strings.IndexByte(TicketAlphabet, payload[i])
		addend = addend/n + addend%n
		sum += addend
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
	}
	return TicketAlphabet[(n-sum%n)%n]
}

// NewPIN returns a four-digit PIN for following an anonymous request.
// Four digits, like a bank card: residents who struggle with numbers know
// the form. It only works together with the ticket code, and stores hashed.
func NewPIN() string {
	var b [4]byte
	for i := range b {
		b[i] = '0' + byte(randIndex(10))
	}
	return string(b[:])
}

// HashPIN returns the stored form of a PIN: an HMAC with a server key, so
// that a copy of the database does not reveal PINs by trying all 10,000.
func HashPIN(key []byte, ticket, pin string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("pin\x00" + ticket + "\x00" + pin))
	return hex.EncodeToString(m.Sum(nil))
}

// PINMatches compares in constant time.
func PINMatches(key []byte, ticket, pin, hash string) bool {
	return hmac.Equal([]byte(HashPIN(key, ticket, pin)), []byte(hash))
}

// randIndex returns a uniform random number in [0, n) from crypto/rand.
func randIndex(n int) int {
	var b [1]byte
	limit := 256 - 256%n // reject the top so that every index is equally likely
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
