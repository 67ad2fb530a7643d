package indicators

// adviceGroup selects advice wording: what a person is about to do differs
// by kind (call or pay someone, transfer to an account, open a link).
type adviceGroup int

const (
	groupPhone adviceGroup = iota
	groupAccount
	groupLink
	numGroups
)

func groupOf(k Kind) adviceGroup {
	switch k {
	case KindPhone:
		return groupPhone
	case KindBankAccount:
		return groupAccount
	}
	return groupLink
}

// The advice tables are indexed by group. Pointers are shared by every
// Result so the miss path allocates nothing for advice.
var (
	adviceDangerous = [numGroups]*Advice{
		groupPhone: {
			VI: "Số này đã bị báo cáo lừa đảo. Đừng chuyển tiền, đừng đọc mã OTP hay cài ứng dụng theo lời người gọi. Nếu lỡ chuyển tiền, hãy gọi ngay cho ngân hàng của bạn để yêu cầu phong tỏa giao dịch và báo công an qua số 113.",
			EN: "This number has been reported for fraud. Do not send money, share OTP codes or install apps at the caller's request. If you already paid, call your bank at once to ask for an emergency freeze and report it to the police (113).",
		},
		groupAccount: {
			VI: "Tài khoản này đã bị báo cáo nhận tiền lừa đảo. Đừng chuyển khoản. Nếu lỡ chuyển, hãy gọi ngay tổng đài ngân hàng của bạn để yêu cầu phong tỏa khẩn cấp, giữ lại biên lai và báo công an qua số 113.",
			EN: "This account has been reported for receiving scam money. Do not transfer to it. If you already did, call your bank's hotline now to request an emergency freeze, keep the receipt and report it to the police (113).",
		},
		groupLink: {
			VI: "Trang này đã bị báo cáo lừa đảo hoặc giả mạo. Đừng mở, đừng nhập mật khẩu, mã OTP hay thông tin thẻ. Nếu đã nhập, hãy đổi mật khẩu và gọi ngay cho ngân hàng để khóa tài khoản.",
			EN: "This site has been reported as a scam or a fake. Do not open it or enter passwords, OTP codes or card details. If you already did, change your passwords and call your bank to lock your account.",
		},
	}
	adviceSuspicious = [numGroups]*Advice{
		groupPhone: {
			VI: "Số này đã có người báo cáo nghi lừa đảo nhưng chưa được xác minh. Hãy cẩn thận: không chuyển tiền, không đọc mã OTP; tự gọi lại tổ chức qua số chính thức để kiểm tra.",
			EN: "This number has been reported as a possible scam but not yet confirmed. Be careful: send no money, share no OTP; call the organisation back on its official number to check.",
		},
		groupAccount: {
			VI: "Tài khoản này đã có người báo cáo nghi lừa đảo nhưng chưa được xác minh. Hãy dừng lại và kiểm tra người nhận qua một kênh khác trước khi chuyển tiền.",
			EN: "This account has been reported as a possible scam but not yet confirmed. Stop and verify the recipient through another channel before you transfer.",
		},
		groupLink: {
			VI: "Trang này đáng ngờ: đã bị báo cáo hoặc trông giống một trang chính thức. Đừng nhập thông tin đăng nhập; hãy tự gõ địa chỉ trang chính thức thay vì bấm vào đường dẫn.",
			EN: "This site is suspicious: it has been reported or looks like an official site. Do not log in; type the official address yourself instead of following the link.",
		},
	}
	adviceTrusted = [numGroups]*Advice{
		groupPhone:   {VI: "Đây là số chính thức đã được xác minh. Vẫn đừng bao giờ đọc mã OTP cho người khác.", EN: "This is a verified official number. Still, never read out OTP codes to anyone."},
		groupAccount: {VI: "Đây là tài khoản chính thức đã được xác minh. Hãy kiểm tra kỹ tên người nhận trước khi chuyển.", EN: "This is a verified official account. Check the recipient's name before you transfer."},
		groupLink:    {VI: "Đây là trang chính thức đã được xác minh. Hãy kiểm tra kỹ địa chỉ trên thanh trình duyệt trước khi đăng nhập.", EN: "This is a verified official site. Check the address bar carefully before you log in."},
	}
	adviceUnknown = [numGroups]*Advice{
		groupPhone: {
			VI: "Chưa có báo cáo nào về số này. Điều đó không có nghĩa là đáng tin: kẻ gian đổi số liên tục. Đừng chuyển tiền hay đọc mã OTP cho người lạ; nếu nghi ngờ, hãy báo cáo cho chúng tôi.",
			EN: "No reports about this number yet. That does not make it trustworthy: scammers change numbers all the time. Never send money or read OTP codes to strangers; if in doubt, report it to us.",
		},
		groupAccount: {
			VI: "Chưa có báo cáo nào về tài khoản này. Điều đó không có nghĩa là đáng tin. Hãy xác minh người nhận qua một kênh khác trước khi chuyển tiền; nếu nghi ngờ, hãy báo cáo cho chúng tôi.",
			EN: "No reports about this account yet. That does not make it trustworthy. Verify the recipient through another channel before you transfer; if in doubt, report it to us.",
		},
		groupLink: {
			VI: "Chưa có báo cáo nào về trang này. Điều đó không có nghĩa là đáng tin: trang lừa đảo mới xuất hiện mỗi ngày. Đừng nhập mật khẩu hay mã OTP vào trang bạn được gửi qua tin nhắn.",
			EN: "No reports about this site yet. That does not make it trustworthy: new scam sites appear every day. Never enter passwords or OTP codes on a page someone sent you.",
		},
	}
)

// AdviceFor returns the shared advice for a verdict about an indicator kind
// (nil for an unknown verdict).
func AdviceFor(v Verdict, k Kind) *Advice {
	switch v {
	case VerdictDangerous:
		return adviceDangerous[groupOf(k)]
	case VerdictSuspicious:
		return adviceSuspicious[groupOf(k)]
	case VerdictTrusted:
		return adviceTrusted[groupOf(k)]
	case VerdictUnknown:
		return adviceUnknown[groupOf(k)]
	}
	return nil
}
