package dialogs

// Message IDs the engine itself uses, beside those named in flow files.
// Every one must exist in every language; the checker treats them as used.
const (
	msgBack      = "global.back"
	msgRestart   = "global.restart"
	msgStop      = "global.stop"
	msgLanguage  = "global.language"
	msgEmergency = "global.emergency"
	msgPerson    = "global.person"

	msgContinue = "common.continue"
	msgSkip     = "common.skip"
	msgSend     = "common.send"
	msgChange   = "common.change"
	msgRetry    = "common.retry"
	msgClose    = "common.close"
	msgSending  = "common.sending"

	msgContactName  = "contact.name"
	msgContactPhone = "contact.phone"
	msgContactEmail = "contact.email"
	msgAnonymous    = "confirm.anonymous"

	msgFlowChanged  = "notice.flow_changed"
	msgOfferPerson  = "help.person"
	msgSubmitFailed = "error.submit"

	msgErrChoice   = "error.choice"
	msgErrChoices  = "error.choices" // a multi step
	msgErrEmpty    = "error.empty"
	msgErrTooLong  = "error.too_long"
	msgErrPostcode = "error.postcode"
	msgErrAddress  = "error.address"
	msgErrPhone    = "error.phone"
	msgErrEmail    = "error.email"
	msgErrName     = "error.name"
	msgErrReach    = "error.reach"
)

// Messages whose ID starts with this prefix belong to the channels (kiosk,
// bot, web page): the checker does not call them unused. Each channel's
// tests check that the IDs it uses exist.
const ChannelPrefix = "ui."

// helpMessage returns the generic reworded question (level 1) or example
// (level 2) for a kind of step, used when the step does not name its own.
func helpMessage(k Kind, level int) string {
	suffix := ".reprompt"
	if level == 2 {
		suffix = ".example"
	}
	switch k {
	case KindChoice, KindMulti, KindInfo, KindConfirm, KindSubmit, KindHandoff, KindEnd:
		return "help.choice" + suffix
	}
	return "help." + string(k) + suffix
}

var engineMessages = func() []string {
	ids := []string{
		msgBack, msgRestart, msgStop, msgLanguage, msgEmergency, msgPerson,
		msgContinue, msgSkip, msgSend, msgChange, msgRetry, msgClose, msgSending,
		msgContactName, msgContactPhone, msgContactEmail, msgAnonymous,
		msgFlowChanged, msgOfferPerson, msgSubmitFailed,
		msgErrChoice, msgErrChoices, msgErrEmpty, msgErrTooLong, msgErrPostcode, msgErrAddress, msgErrPhone, msgErrEmail, msgErrName, msgErrReach,
	}
	for _, k := range []Kind{KindChoice, KindText, KindPostcode, KindAddress, KindPhone, KindEmail, KindContact} {
		ids = append(ids, helpMessage(k, 1), helpMessage(k, 2))
	}
	return ids
}()
