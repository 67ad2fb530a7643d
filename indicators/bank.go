package indicators

// NormalizeBankAccount is replaced by the real implementation (helper in progress).
func NormalizeBankAccount(bank, account string) (Key, error) {
	return "", inputErr(CodeInvalidAccount, "not implemented")
}

// ParseBankAccount is replaced by the real implementation (helper in progress).
func ParseBankAccount(s string) (Key, error) {
	return "", inputErr(CodeInvalidAccount, "not implemented")
}
