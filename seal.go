package buurtloket

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// KeySize is the size of the master key in bytes.
const KeySize = 32

// Sealer encrypts what must not be readable from a copy of the database:
// contact details and reply routes (AES-256-GCM). Each sealed value is
// bound to where it belongs (its context, such as "contact:K7QM-3XHD"), so
// a value copied to another row does not open. It also holds the key for
// PIN hashes. Both keys are derived from one master key.
type Sealer struct {
	aead   cipher.AEAD
	pinKey []byte
	macKey []byte
}

// NewSealer derives the keys from a 32-byte master key.
func NewSealer(master []byte) (*Sealer, error) {
	if len(master) != KeySize {
		return nil, Errorf(EINVALID, "the key must be %d bytes, not %d", KeySize, len(master))
	}
	sealKey, err := hkdf.Key(sha256.New, master, nil, "buurtloket seal v1", 32)
	if err != nil {
		return nil, err
	}
	pinKey, err := hkdf.Key(sha256.New, master, nil, "buurtloket pin v1", 32)
	if err != nil {
		return nil, err
	}
	macKey, err := hkdf.Key(sha256.New, master, nil, "buurtloket mac v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, pinKey: pinKey, macKey: macKey}, nil
}

// NewKey returns a fresh random master key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k)
	return k
}

// Seal encrypts plaintext for context; the result holds its own nonce.
func (s *Sealer) Seal(plaintext []byte, context string) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, []byte(context))
}

// Open decrypts a value sealed for context.
func (s *Sealer) Open(sealed []byte, context string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("sealed value too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
}

// SealSession seals a stored dialog session: an unfinished conversation
// holds what the resident typed, contact details included, and a finished
// one the PIN its end screen shows. It is bound to the session's name.
func (s *Sealer) SealSession(id string, data []byte) []byte { return s.Seal(data, "session:"+id) }

// OpenSession opens what SealSession sealed. A session that does not open
// (another key, another name) is not found: the conversation starts anew.
func (s *Sealer) OpenSession(id string, sealed []byte) ([]byte, error) {
	data, err := s.Open(sealed, "session:"+id)
	if err != nil {
		return nil, Errorf(ENOTFOUND, "no such session (it does not open with this key)")
	}
	return data, nil
}

// HashPIN returns the stored form of a PIN for a ticket.
func (s *Sealer) HashPIN(ticket, pin string) string { return HashPIN(s.pinKey, ticket, pin) }

// PINMatches reports whether pin is the PIN of ticket.
func (s *Sealer) PINMatches(ticket, pin, hash string) bool {
	return PINMatches(s.pinKey, ticket, pin, hash)
}

// Sign returns a MAC of data for purpose (such as "cookie"), so that a
// server can tell what it issued itself; instances with one key agree.
func (s *Sealer) Sign(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, s.macKey)
	m.Write([]byte(purpose + "\x00"))
	m.Write(data)
	return m.Sum(nil)
}
