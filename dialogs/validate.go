package dialogs

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"buurtloket"
)

// Bounds on one input, far above what a resident can type; anything larger
// is hostile or broken and is refused as a whole.
const (
	maxInputBytes = 4 * MaxTextLength * utf8.UTFMax
	maxWordBytes  = 64
	maxNameChars  = 100
	maxEmailChars = 254
)

// checkInput refuses input that no resident could have sent: oversized,
// invalid UTF-8, or with IDs that are not words.
func checkInput(in Input) error {
	if len(in.Choices) > MaxOptions {
		return buurtloket.Errorf(buurtloket.ETOOLARGE, "at most %d choices", MaxOptions)
	}
	for _, c := range in.Choices {
		if len(c) > maxWordBytes || !utf8.ValidString(c) {
			return buurtloket.Errorf(buurtloket.EINVALID, "a choice is not an option ID")
		}
	}
	words := [...]string{in.Choice, in.Lang, in.Step, in.Ticket}
	texts := [...]string{in.Text, in.Contact.Name, in.Contact.Phone, in.Contact.Email}
	for _, s := range words {
		if len(s) > maxWordBytes {
			return buurtloket.Errorf(buurtloket.ETOOLARGE, "input field is longer than %d bytes", maxWordBytes)
		}
	}
	for _, s := range texts {
		if len(s) > maxInputBytes {
			return buurtloket.Errorf(buurtloket.ETOOLARGE, "text is longer than %d bytes", maxInputBytes)
		}
	}
	for _, list := range [...][]string{words[:], texts[:]} {
		for _, s := range list {
			if !utf8.ValidString(s) {
				return buurtloket.Errorf(buurtloket.EINVALID, "text is not valid UTF-8")
			}
		}
	}
	return nil
}

// cleanText is the domain's one cleaning rule for every text a resident
// writes (buurtloket.CleanText): the dialog, the stores and the thread
// clean alike, so that what the resident saw confirmed is what staff read.
func cleanText(s string) string { return buurtloket.CleanText(s) }

var (
	postcodePattern = regexp.MustCompile(`^([1-9][0-9]{3})\s*([A-Za-z]{2})?$`)
	emailPattern    = regexp.MustCompile(`^[^\s@<>()",;:]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)
)

// normalizePostcode accepts "3112 AB", "3112ab" and "3112" and returns
// "3112 AB" or "3112". The letter pairs SA, SD and SS are never issued.
func normalizePostcode(s string) (string, bool) {
	m := postcodePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	if m[2] == "" {
		return m[1], true
	}
	letters := strings.ToUpper(m[2])
	if letters == "SA" || letters == "SD" || letters == "SS" {
		return "", false
	}
	return m[1] + " " + letters, true
}

// Addresses: a house number with a postcode before it ("3112 AB 14",
// "3112AB14-2", "3112 14"), or a street before it ("Hoofdstraat 14a",
// "'s-Gravelandseweg 120", "Van 't Hoffstraat 2-B", "1e Maasboulevard 3"),
// with a postcode or a town after it or not ("Groenelaan 3, 3114 AB",
// "Hoofdstraat 14, Schiedam"). Residents often know their neighbour's
// street and number, not the postcode letters. A street has at most four
// words of letters, so a sentence is not taken for an address.
var (
	houseSuffix     = `(?:\s*-\s*([0-9]{1,3}|[A-Za-z]{1,3})|\s*([A-Za-z]{1,3}))?`
	postcodeAddress = regexp.MustCompile(`^([1-9][0-9]{3})(?:\s*([A-Za-z]{2})[\s,]*|[\s,]+)([1-9][0-9]{0,4})` + houseSuffix + `$`)
	streetWord      = `\p{L}[\p{L}\p{M}'’.\-]*`
	streetAddress   = regexp.MustCompile(`^((?:'s-|'t |[1-9][0-9]?e )?` + streetWord + `(?: (?:'t|` + streetWord + `)){0,3}) ([1-9][0-9]{0,4})` + houseSuffix +
		`(?:[\s,]+([1-9][0-9]{3})\s*([A-Za-z]{2})?)?$`)
	townAfter       = regexp.MustCompile(`\s*,\s*\p{L}[\p{L}\p{M}' -]{1,40}$`)
	maxAddressChars = 100
)

// normalizeAddress returns an address as "3112 AB 14" or "Hoofdstraat 14a",
// and its postcode (four digits, or with its letters) when it has one.
func normalizeAddress(s string) (value, postcode string, ok bool) {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxAddressChars {
		return "", "", false
	}
	s = townAfter.ReplaceAllString(s, "")
	number := func(n, dashed, plain string) string {
		switch {
		case dashed != "" && dashed[0] >= '0' && dashed[0] <= '9':
			return n + "-" + dashed
		case dashed != "":
			return n + strings.ToLower(dashed)
		case plain != "":
			return n + strings.ToLower(plain)
		}
		return n
	}
	if m := postcodeAddress.FindStringSubmatch(s); m != nil {
		pc, ok := normalizePostcode(m[1] + " " + m[2])
		if !ok {
			return "", "", false
		}
		return pc + " " + number(m[3], m[4], m[5]), pc, true
	}
	if m := streetAddress.FindStringSubmatch(s); m != nil {
		v := m[1] + " " + number(m[2], m[3], m[4])
		if m[5] == "" {
			return v, "", true
		}
		pc, ok := normalizePostcode(m[5] + " " + m[6])
		if !ok {
			return "", "", false
		}
		return v + ", " + pc, pc, true
	}
	return "", "", false
}

// normalizePhone accepts Dutch numbers (0612345678, 010-1234567,
// +31 6 12345678, 0031...) and international ones (+48...), written with
// spaces, dashes, dots or brackets, and returns digits with a leading + or 0.
func normalizePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	if strings.HasPrefix(n, "+31") {
		n = "0" + n[3:]
	}
	switch {
	case strings.HasPrefix(n, "+"):
		return n, len(n) >= 9 && len(n) <= 16 && n[1] != '0'
	case strings.HasPrefix(n, "0"):
		return n, len(n) == 10 && n[1] != '0'
	}
	return "", false
}

func normalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxEmailChars || !emailPattern.MatchString(s) {
		return "", false
	}
	return s, true
}

// normalizeAnswer checks a typed answer for a step and returns the value to
// store, or the message ID of what is wrong.
func normalizeAnswer(st *Step, text string) (string, string) {
	text = cleanText(text)
	if text == "" {
		return "", msgErrEmpty
	}
	switch st.Kind {
	case KindText:
		if utf8.RuneCountInString(text) > st.MaxLength {
			return "", msgErrTooLong
		}
		return text, ""
	case KindPostcode:
		if v, ok := normalizePostcode(text); ok {
			return v, ""
		}
		return "", msgErrPostcode
	case KindAddress:
		if v, _, ok := normalizeAddress(text); ok {
			return v, ""
		}
		return "", msgErrAddress
	case KindPhone:
		if v, ok := normalizePhone(text); ok {
			return v, ""
		}
		return "", msgErrPhone
	case KindEmail:
		if v, ok := normalizeEmail(text); ok {
			return v, ""
		}
		return "", msgErrEmail
	}
	return "", msgErrChoice
}

// normalizeContact checks contact details: a name, and a phone number or an
// e-mail address (or both).
func normalizeContact(c Contact) (Contact, string) {
	out := Contact{Name: cleanText(c.Name)}
	if out.Name == "" || utf8.RuneCountInString(out.Name) > maxNameChars || strings.ContainsAny(out.Name, "\n\t") {
		return Contact{}, msgErrName
	}
	phone, email := strings.TrimSpace(c.Phone), strings.TrimSpace(c.Email)
	if phone == "" && email == "" {
		return Contact{}, msgErrReach
	}
	if phone != "" {
		v, ok := normalizePhone(phone)
		if !ok {
			return Contact{}, msgErrPhone
		}
		out.Phone = v
	}
	if email != "" {
		v, ok := normalizeEmail(email)
		if !ok {
			return Contact{}, msgErrEmail
		}
		out.Email = v
	}
	return out, ""
}
