package buurtloket

import (
	"strings"
	"testing"
)

func TestTicketCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		code := NewTicket()
		if len(code) != 9 || code[4] != '-' {
			t.Fatalf("%q is not of the form XXXX-XXXX", code)
		}
		if got, ok := NormalizeTicket(strings.ToLower(strings.ReplaceAll(code, "-", " "))); !ok || got != code {
			t.Fatalf("NormalizeTicket(%q) = %q %v", code, got, ok)
		}
		if seen[code] {
			t.Fatalf("duplicate code %s after %d", code, i)
		}
		seen[code] = true
	}
	for _, bad := range []string{"", "K7QM-3XH", "K7QM-3XHDD", "K0QM-3XHD", "KOQM-3XHD", "K7QM_3XHD"} {
		if _, ok := NormalizeTicket(bad); ok {
			t.Errorf("NormalizeTicket accepted %q", bad)
		}
	}
}

// TestTicketCheckCharacter tries every single substitution and every swap
// of neighbours on many codes: all substitutions must be caught, and the
// only swaps missed are of 3 and Y, the blind spot of Luhn mod N.
func TestTicketCheckCharacter(t *testing.T) {
	for i := 0; i < 3000; i++ {
		code := strings.ReplaceAll(NewTicket(), "-", "")
		for p := 0; p < ticketLen; p++ {
			for _, r := range TicketAlphabet {
				if byte(r) == code[p] {
					continue
				}
				if _, ok := NormalizeTicket(code[:p] + string(r) + code[p+1:]); ok {
					t.Fatalf("substitution at %d in %s not caught", p, code)
				}
			}
			if p+1 < ticketLen && code[p] != code[p+1] {
				swapped := code[:p] + string(code[p+1]) + string(code[p]) + code[p+2:]
				pair := string(code[p]) + string(code[p+1])
				if _, ok := NormalizeTicket(swapped); ok && pair != "3Y" && pair != "Y3" {
					t.Fatalf("swap %s at %d in %s not caught", pair, p, code)
				}
			}
		}
	}
}

func TestPIN(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	pin := NewPIN()
	if len(pin) != 4 || strings.Trim(pin, "0123456789") != "" {
		t.Fatalf("PIN %q", pin)
	}
	h := HashPIN(key, "K7QM-3XHD", pin)
	if strings.Contains(h, pin) || !PINMatches(key, "K7QM-3XHD", pin, h) {
		t.Fatal("hash must verify and not contain the PIN")
	}
	other := "0000"
	if pin == other {
		other = "1111"
	}
	if PINMatches(key, "K7QM-3XHD", other, h) || PINMatches(key, "K7QM-3XHE", pin, h) || PINMatches([]byte("another key"), "K7QM-3XHD", pin, h) {
		t.Fatal("a wrong PIN, ticket or key must not match")
	}
}

func TestStatusTransitions(t *testing.T) {
	for _, from := range Statuses {
		if !from.Valid() || from.CanBecome(from) {
			t.Errorf("%s: valid %v, to itself %v", from, from.Valid(), from.CanBecome(from))
		}
	}
	if StatusClosed.CanBecome(StatusAnswered) || !StatusClosed.CanBecome(StatusInProgress) || Status("x").Valid() {
		t.Error("closed may only be reopened")
	}
}
