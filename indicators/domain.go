package indicators

// NormalizeDomain is replaced by the real implementation (in progress).
func NormalizeDomain(s string) (Key, error) {
	return "", inputErr(CodeInvalidDomain, "not implemented")
}
