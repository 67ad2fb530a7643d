// Package lookalike finds host names that imitate trusted sites: banks,
// wallets, marketplaces and agencies that Vietnamese scams impersonate.
//
// A worked example. With the default brands and the ChongLuaDao allowlist,
//
//	vietcombank.com.vn                 trusted, not a lookalike
//	ib.techcombank.com.vn              trusted (subdomain of a trusted domain)
//	vietc0mbank.com                    homoglyph of vietcombank.com.vn
//	xn--vietcombnk-lj3e.com            (vietcombạnk.com) homoglyph
//	vietcombankk.com                   brand_embedded (contains "vietcombank")
//	techconbank.vn                     edit_distance 1 from techcombank.com
//	vietcombank.com.vn.login-verify.ru brand_embedded (whole trusted domain)
//	vcb-online.net                     brand_embedded ("vcb" + lure word)
//	vietcombank-online.weebly.com      free_hosting_subdomain
//	mbox.com, docbao.vn                not lookalikes ("mb", "ocb" inside words)
//
// # Signals, in the order Check tries them
//
//  1. Trusted: a host equal to or under a trusted registrable domain, or
//     under a suffix rule such as "gov.vn", is never a lookalike.
//  2. Free hosting: under a site builder or free host (DefaultFreeHosts) the
//     customer's labels are searched for brands with signals 4–7; any hit is
//     free_hosting_subdomain, and a bare short code counts without a lure.
//  3. Trusted domain inside: a whole trusted domain spelt as labels left of
//     the registrable label ("bidv.com.vn.secure-login.net").
//  4. Homoglyph: the Skeleton of the registrable label equals that of a
//     trusted label while the characters differ. The same label under
//     another suffix ("vietcombank.com") is brand_embedded for a brand and
//     ignored for a plain allowlist entry ("kul.vn" vs "kul.com").
//  5. Long tokens: a brand token of five or more letters anywhere in the
//     skeleton of the host left of its public suffix.
//  6. Edit distance: each label, and each piece of a label between hyphens
//     and digits, against the registrable labels of the brands'
//     domains, by Damerau–Levenshtein (optimal string alignment) on
//     skeletons: at most 1 edit for labels of 5–8 letters, at most 2 from 9
//     letters. Not compared: labels under 5 letters (too many neighbours),
//     "…bank" labels with fewer than 4 letters before "bank" ("vpbank" is
//     one edit from "tpbank" and from "mybank"), allowlist entries, and
//     pieces that are some brand's own label or token.
//  7. Short tokens (codes of up to four letters: "vcb", "bidv", "momo") at
//     token boundaries, where a segment is a run of letters: the segment is
//     the code, or the code glued to a lure word ("shbfinance",
//     "tindungvpb"), or — four-letter codes only — the segment ends with the
//     code ("chanlemomo"). A bare code of three letters or fewer also needs
//     a lure word elsewhere in the host ("acb.vn-banking.xyz").
//
// Measured on testdata/lookalike/labelled.csv, see lookalike_test.go and
// the README for the numbers and their caveats.
package lookalike
