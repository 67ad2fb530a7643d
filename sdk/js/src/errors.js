// Input errors with the same machine codes as the Go package indicators
// (indicators/errors.go). The codes are part of the public API: the API's
// JSON error codes, the CLI and these SDKs all use them, so they never change.

/** Machine codes of InputError, identical to the Go Code* constants. */
export const Codes = Object.freeze({
  empty: 'empty_input',
  tooLong: 'input_too_long',
  invalidPhone: 'invalid_phone',
  phoneTooShort: 'phone_too_short',
  phoneTooLong: 'phone_too_long',
  phoneLetters: 'phone_has_letters',
  phoneImpossible: 'phone_not_possible',
  unknownBank: 'unknown_bank',
  missingBank: 'missing_bank',
  invalidAccount: 'invalid_account',
  invalidDomain: 'invalid_domain',
  invalidURL: 'invalid_url',
  unknownKind: 'unknown_kind',
  invalidKey: 'invalid_key',
  undetected: 'undetected_kind',
  invalidRecord: 'invalid_record',
  unknownOldPrefix: 'unknown_old_prefix',
  invalidQR: 'invalid_qr',
  qrChecksum: 'qr_bad_crc',
  qrNoAccount: 'qr_no_account',
});

/**
 * InputError says why an input cannot become a canonical key. `code` is one
 * of Codes (the Go error code); `message` is English, for logs.
 */
export class InputError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(`${code}: ${message}`, options);
    this.name = 'InputError';
    this.code = code;
  }
}

/** Builds an InputError; a helper so that throw sites stay one line. */
export function inputErr(code, message) {
  return new InputError(code, message);
}
