// Package buurtloket holds the domain types that every part of the service
// shares: the application error with its codes, and the help-request topics.
// It imports no transport, storage or Telegram package; adapters map its
// errors to their medium in one place each.
package buurtloket

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each adapter maps them to its medium (HTTP status, WebSocket
// error frame, Telegram message, CLI exit code) in one place.
const (
	EINVALID  = "invalid"   // the input is malformed or out of bounds
	ENOTFOUND = "not_found" // the thing asked for does not exist
	ECONFLICT = "conflict"  // the request conflicts with the current state
	ETOOLARGE = "too_large" // the input is larger than allowed
	ELOCKED   = "locked"    // too many wrong tries: refused until Error.Until (zero: until staff unlock it)
	ELIMITED  = "limited"   // too many in a short time, or in all: try again after Error.Until
	EINTERNAL = "internal"  // a bug or an outside failure; never shown in detail
)

// Error is the application error. Message is safe to show to the person who
// caused it (it never holds personal data); internal errors carry only Code.
type Error struct {
	Code    string
	Message string
	// Until is when an ELOCKED or ELIMITED refusal ends; for ELOCKED, zero
	// means that only staff can lift it.
	Until time.Time
}

func (e *Error) Error() string {
	return fmt.Sprintf("buurtloket error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err if it is (or wraps) an *Error, and
// a generic text for any other error, so internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Until returns when the ELOCKED or ELIMITED refusal err ends, and whether
// err is such a refusal. A zero time with ELOCKED: only staff can lift it.
func Until(err error) (time.Time, bool) {
	var e *Error
	if errors.As(err, &e) && (e.Code == ELOCKED || e.Code == ELIMITED) {
		return e.Until, true
	}
	return time.Time{}, false
}
