package indicators

// NormalizePhone is replaced by the real implementation (helper in progress).
func NormalizePhone(s string) (Key, error) { return "", inputErr(CodeInvalidPhone, "not implemented") }
