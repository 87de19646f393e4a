package staff

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost of a password hash. They are written into
// each hash, so that raising them later leaves old hashes readable (and
// the next login stores a new hash at the new cost).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is OWASP's second recommended setting for argon2id
// (19 MiB, 2 passes, 1 thread): about 30 ms on the machines buurtloket
// runs on, which a login can afford and a guesser cannot.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLength and MaxPasswordLength bound a new password: long
	// enough to resist guessing, short enough to hash in bounded time.
	MinPasswordLength = 12
	MaxPasswordLength = 200
)

// HashPassword returns the argon2id hash of password in the common
// encoding ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
func HashPassword(password string, p Argon2Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// PasswordMatches reports whether password has hash, and whether the hash
// was made at other parameters than want (then it should be made again).
func PasswordMatches(hash, password string, want Argon2Params) (ok, rehash bool) {
	p, salt, key, err := decodeHash(hash)
	if err != nil || len(password) > MaxPasswordLength {
		// The same work either way, so that a missing account does not
		// answer faster than a wrong password.
		argon2.IDKey([]byte(password), make([]byte, saltLen), want.Time, want.Memory, want.Threads, keyLen)
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, p != want
}

// decodeHash reads a hash HashPassword made. The parameters are bounded,
// so that a hash written into the database by hand cannot make a login
// take a gigabyte.
func decodeHash(hash string) (Argon2Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	var p Argon2Params
	var version int
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 10 || p.Threads < 1 || p.Threads > 16 {
		return p, nil, nil, fmt.Errorf("argon2 parameters %q", parts[3])
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("argon2 salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("argon2 key")
	}
	return p, salt, key, nil
}

// newPasswordProblem returns the message ID of what is wrong with a new
// password, or "".
func newPasswordProblem(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password) || n < MinPasswordLength:
		return "staff.password.too_short"
	case len(password) > MaxPasswordLength:
		return "staff.password.too_long"
	case strings.EqualFold(password, email), strings.Contains(strings.ToLower(password), "buurtloket"):
		return "staff.password.guessable"
	}
	return ""
}

// OneTimePassword is a random password (80 bits) for a new or reset
// account, in groups of four, to be typed once and replaced at login.
func OneTimePassword() string {
	t := strings.ToLower(rand.Text()[:16])
	return t[:4] + "-" + t[4:8] + "-" + t[8:12] + "-" + t[12:]
}
