package conversations

// Message IDs, as in locales/. Every ID used in code is a constant here, so a test can check
// that each exists in every language.
const (
	MsgWelcome         = "welcome"
	MsgHelp            = "help"
	MsgUnknownInput    = "unknown_input"
	MsgStaleButton     = "stale_button"
	MsgTryAgain        = "try_again"
	MsgNothingToCancel = "nothing_to_cancel"

	// Command menu descriptions.
	MsgCmdStart  = "cmd_start"
	MsgCmdHelp   = "cmd_help"
	MsgCmdCancel = "cmd_cancel"

	// Notifications.
	MsgCaseReceived = "case_received"
)
