package indicators

import (
	"errors"
	"fmt"
)

// Sentinel errors for callers to test with errors.Is.
var (
	// ErrInvalidInput marks input that cannot become a canonical key or a
	// valid record. Every *InputError matches it.
	ErrInvalidInput = errors.New("invalid input")
	// ErrNotFound is returned by a Store when a key, report or other record
	// does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is returned when a write cannot be applied to the current
	// state (for example confirming a delisted indicator without relisting).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable wraps failures of a backing service (Redis down, file
	// locked) so that callers can degrade instead of failing.
	ErrUnavailable = errors.New("store unavailable")
)

// Machine-readable codes carried by InputError. They are part of the public
// API (JSON error codes, CLI output, SDK vectors): never rename one.
const (
	CodeEmpty           = "empty_input"
	CodeTooLong         = "input_too_long"
	CodeInvalidPhone    = "invalid_phone"
	CodePhoneTooShort   = "phone_too_short"
	CodePhoneTooLong    = "phone_too_long"
	CodePhoneLetters    = "phone_has_letters"
	CodePhoneImpossible = "phone_not_possible"
	CodeUnknownBank     = "unknown_bank"
	CodeMissingBank     = "missing_bank"
	CodeInvalidAccount  = "invalid_account"
	CodeInvalidDomain   = "invalid_domain"
	CodeInvalidURL      = "invalid_url"
	CodeUnknownKind     = "unknown_kind"
	CodeInvalidKey      = "invalid_key"
	CodeUndetected      = "undetected_kind"
	CodeInvalidRecord   = "invalid_record"
	// CodeUnknownOldPrefix: an 11-digit 01xx number whose prefix was not
	// one of the pre-2018 mobile prefixes (see OldMobilePrefixes).
	CodeUnknownOldPrefix = "unknown_old_prefix"
	// CodeInvalidQR: a payment QR payload that is not well-formed EMVCo
	// (truncated, bad lengths, missing mandatory tags).
	CodeInvalidQR = "invalid_qr"
	// CodeQRChecksum: a payment QR payload whose CRC (tag 63) does not
	// match, so it was altered or misread.
	CodeQRChecksum = "qr_bad_crc"
	// CodeQRNoAccount: a well-formed payment QR without a NAPAS account
	// (tag 38 with GUID A000000727), e.g. a card-scheme or e-wallet code.
	CodeQRNoAccount = "qr_no_account"
)

// InputError describes why an input was rejected, with a stable machine code
// and a human message. It matches ErrInvalidInput under errors.Is.
type InputError struct {
	Code    string // one of the Code* constants
	Message string // English, for logs and API clients
	Err     error  // underlying cause, if any
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Is makes every InputError match ErrInvalidInput.
func (e *InputError) Is(target error) bool { return target == ErrInvalidInput }

// Unwrap returns the underlying cause.
func (e *InputError) Unwrap() error { return e.Err }

// inputErr builds an InputError with a formatted message.
func inputErr(code, format string, args ...any) *InputError {
	return &InputError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the machine code of err: the InputError code when err is
// or wraps one, "not_found", "conflict", "unavailable", else "internal".
func ErrorCode(err error) string {
	var ie *InputError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie):
		return ie.Code
	case errors.Is(err, ErrInvalidInput):
		return "invalid_input"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	}
	return "internal"
}
