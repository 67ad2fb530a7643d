package indicators

// NormalizeURL is replaced by the real implementation (helper in progress).
func NormalizeURL(s string) (Key, error) { return "", inputErr(CodeInvalidURL, "not implemented") }
