package buurtloket

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// Kiosk is a registered touchscreen in a community centre. Its requests
// carry its neighbourhood.
type Kiosk struct {
	ID        int64
	Name      string
	Wijk      string
	CreatedAt time.Time
	RevokedAt time.Time // zero while it may be used
	SeenAt    time.Time // when its page was last connected; zero: never
}

// KioskStore keeps the registered kiosks. A kiosk proves itself with the
// secret token of its pairing link; only a hash of the token is stored.
type KioskStore interface {
	AddKiosk(ctx context.Context, name, wijk string) (*Kiosk, string, error)
	KioskByToken(ctx context.Context, token string) (*Kiosk, error)
	Kiosks(ctx context.Context) ([]*Kiosk, error)
	RevokeKiosk(ctx context.Context, id int64) error
	// KioskSeen records that a kiosk's page is in use now; ENOTFOUND for
	// a kiosk that is revoked (or unknown). The web channel calls it when
	// the page connects, at every ping and before storing a request, and
	// closes a revoked kiosk's page.
	KioskSeen(ctx context.Context, id int64) error
}

// NewKioskToken returns a fresh pairing token and its stored hash.
func NewKioskToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashKioskToken(token)
}

// HashKioskToken returns the stored form of a token.
func HashKioskToken(token string) string {
	sum := sha256.Sum256([]byte("kiosk\x00" + token))
	return hex.EncodeToString(sum[:])
}

// CheckKiosk validates a new kiosk's name and neighbourhood.
func CheckKiosk(name, wijk string) (string, string, error) {
	name, wijk = CleanText(name), CleanText(wijk)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\n\t") {
		return "", "", Errorf(EINVALID, "a kiosk needs a name of at most 100 characters, on one line")
	}
	if utf8.RuneCountInString(wijk) > 100 || strings.ContainsAny(wijk, "\n\t") {
		return "", "", Errorf(EINVALID, "the neighbourhood's name is too long")
	}
	return name, wijk, nil
}
