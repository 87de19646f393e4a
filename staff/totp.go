package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Two-factor login with time-based one-time codes (RFC 6238, as every
// authenticator app reads them): 6 digits, 30 seconds, SHA-1, and one step
// of clock difference either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// newTOTP makes a new secret for the account's authenticator app.
func newTOTP(email string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{Issuer: "buurtloket", AccountName: email, Period: 30,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
}

// otpKey reads a key from its otpauth:// address, for its QR code.
func otpKey(url string) (*otp.Key, error) { return otp.NewKeyFromURL(url) }

// totpURL is the otpauth:// address of a secret, as newTOTP makes it.
func totpURL(email, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {"buurtloket"}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	return "otpauth://totp/buurtloket:" + url.PathEscape(email) + "?" + v.Encode()
}

// validSecret reports whether a posted secret is one newTOTP makes: 20
// bytes in base32 without padding.
func validSecret(secret string) bool {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	return err == nil && len(b) == 20
}

// totpStep checks code against secret at now and returns the time step it
// belongs to, or 0. A step at or before last (the last code accepted) does
// not count: a code works once, even within its 30 seconds.
func totpStep(secret, code string, now time.Time, last int64) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0
	}
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		s := step + d
		want, err := totpCode(secret, time.Unix(s*30, 0))
		if err != nil {
			return 0
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > last {
			return s
		}
	}
	return 0
}

// totpCode is the code for secret at t, as the authenticator app shows it.
func totpCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// recoveryCodes makes n recovery codes (60 bits each) and their hashes.
// A code is shown once, when two-factor login is set up, and works once.
func recoveryCodes(n int) (codes, hashes []string) {
	for range n {
		t := strings.ToLower(rand.Text()[:12])
		c := t[:4] + "-" + t[4:8] + "-" + t[8:]
		codes = append(codes, c)
		hashes = append(hashes, hashRecovery(c))
	}
	return codes, hashes
}

func hashRecovery(code string) string {
	code = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	sum := sha256.Sum256([]byte("buurtloket recovery:" + code))
	return hex.EncodeToString(sum[:])
}

// useRecovery finds code among hashes and returns the hashes without it.
func useRecovery(hashes []string, code string) ([]string, bool) {
	h := hashRecovery(code)
	for i, have := range hashes {
		if subtle.ConstantTimeCompare([]byte(have), []byte(h)) == 1 {
			return append(hashes[:i:i], hashes[i+1:]...), true
		}
	}
	return hashes, false
}
