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

	// The dialog engine.
	MsgDialogExpiredNotice = "dialog_expired_notice"
	MsgDialogExpired       = "dialog_expired"
	MsgDialogExpiredAny    = "dialog_expired_any"
	MsgDialogUpdated       = "dialog_updated"
	MsgDialogCancelled     = "dialog_cancelled"
	MsgUnknownCommand      = "unknown_command"
	MsgAbandonAsk          = "abandon_ask"
	MsgAbandonChoose       = "abandon_choose"
	MsgErrUseButtons       = "err_use_buttons"
	MsgErrWrongKind        = "err_wrong_kind"
	MsgErrEmpty            = "err_empty"
	MsgErrTooShort         = "err_too_short"
	MsgErrTooLong          = "err_too_long"
	MsgBtnYes              = "btn_yes"
	MsgBtnNo               = "btn_no"
	MsgBtnBack             = "btn_back"
	MsgBtnCancel           = "btn_cancel"
	MsgBtnConfirm          = "btn_confirm"
	MsgBtnSkip             = "btn_skip"
	MsgBtnDone             = "btn_done"

	// Command menu descriptions.
	MsgCmdStart  = "cmd_start"
	MsgCmdHelp   = "cmd_help"
	MsgCmdCancel = "cmd_cancel"

	// Notifications.
	MsgCaseReceived = "case_received"
)
