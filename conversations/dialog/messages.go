package dialog

// The engine's own message IDs, as in locales/: its built-in commands, its answers to what
// no step takes, its buttons and its refusals of what cannot be taken. The dialogs built on it
// have theirs beside them. A test checks that each exists in every language.
const (
	MsgSlowDown            = "slow_down" // the platform drops a flood of one person's updates
	MsgCmdLang             = "cmd_lang"  // the menu's line for /lang
	MsgWelcome             = "welcome"
	MsgHelp                = "help"
	MsgHelpList            = "help_list"
	MsgUnknownInput        = "unknown_input"
	MsgStaleButton         = "stale_button"
	MsgTryAgain            = "try_again"
	MsgNothingToCancel     = "nothing_to_cancel"
	MsgLangAsk             = "lang_ask"
	MsgLangSet             = "lang_set"
	MsgPrivateOnly         = "private_only"
	MsgPrivateOnlyNotice   = "private_only_notice"
	MsgBtnPrivateChat      = "btn_private_chat"
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
	MsgErrUnusable         = "err_unusable"
	MsgErrLocation         = "err_location"
	MsgBtnYes              = "btn_yes"
	MsgBtnNo               = "btn_no"
	MsgBtnBack             = "btn_back"
	MsgBtnCancel           = "btn_cancel"
	MsgBtnConfirm          = "btn_confirm"
	MsgBtnSkip             = "btn_skip"
	MsgBtnDone             = "btn_done"
)
