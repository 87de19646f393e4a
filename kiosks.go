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
	PairedAt  time.Time // when a device was last paired with its link; zero: never (or before pairing links were single-use)
	LinkOpen  bool      // a pairing link waits to be used
}

// KioskStore keeps the registered kiosks. A kiosk is paired by opening its
// pairing link once: the link's secret token is exchanged for a device
// token, which the kiosk's browser keeps (in a cookie) to prove itself.
// The link token works once; only hashes of either token are stored.
type KioskStore interface {
	// AddKiosk registers a kiosk and returns the token of its pairing link.
	AddKiosk(ctx context.Context, name, wijk string) (*Kiosk, string, error)
	// NewKioskLink returns the token of a new pairing link for a kiosk in
	// use (ENOTFOUND otherwise); a link issued before stops working. The
	// device paired before keeps working until the new link is used.
	NewKioskLink(ctx context.Context, id int64) (string, error)
	// PairKiosk spends a pairing link's token: it returns the kiosk and a
	// new device token, which replaces the token of the device paired
	// before (that one stops working). A link that is spent, replaced,
	// unknown or of a revoked kiosk gives ENOTFOUND.
	PairKiosk(ctx context.Context, linkToken string) (*Kiosk, string, error)
	// KioskByToken finds a kiosk in use by the device token PairKiosk gave.
	KioskByToken(ctx context.Context, deviceToken string) (*Kiosk, error)
	Kiosks(ctx context.Context) ([]*Kiosk, error)
	RevokeKiosk(ctx context.Context, id int64) error
	// KioskSeen records that a kiosk's page is in use now; ENOTFOUND for
	// a kiosk that is revoked (or unknown). The web channel calls it when
	// the page connects, at every ping and before storing a request, and
	// closes a revoked kiosk's page.
	KioskSeen(ctx context.Context, id int64) error
}

// NewKioskToken returns a fresh token (of a pairing link, or of a device)
// and its stored hash.
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

// CheckKioskToken refuses what cannot be a token (NewKioskToken makes 43
// characters) before a store looks it up.
func CheckKioskToken(token string) error {
	if token == "" || len(token) > 100 {
		return Errorf(ENOTFOUND, "this kiosk is not paired")
	}
	return nil
}

// WellFormedKioskToken reports whether token could be a pairing or device
// token at all (what NewKioskToken makes: 43 characters of base64url).
func WellFormedKioskToken(token string) bool {
	if len(token) != 43 {
		return false
	}
	for _, r := range token {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
