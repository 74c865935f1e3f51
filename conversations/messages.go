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

	// Joining, invites, who has not joined.
	MsgNotBound            = "not_bound"
	MsgNotAllowed          = "not_allowed"
	MsgInviteUnknown       = "invite_unknown"
	MsgInviteUsed          = "invite_used"
	MsgInviteExpired       = "invite_expired"
	MsgInviteRevoked       = "invite_revoked_start"
	MsgInviteAccountInUse  = "invite_account_in_use"
	MsgInvitePersonIsBound = "invite_person_is_bound"
	MsgInviteAlready       = "invite_already"
	MsgInviteBound         = "invite_bound"
	MsgInviteAskFor        = "invite_ask_for"
	MsgInviteForUnit       = "invite_for_unit"
	MsgInviteForPerson     = "invite_for_person"
	MsgInviteAskCode       = "invite_ask_code"
	MsgInviteNoSuchCode    = "invite_no_such_code"
	MsgInviteAskRole       = "invite_ask_role"
	MsgInviteAskUses       = "invite_ask_uses"
	MsgInviteSummary       = "invite_summary"
	MsgInviteMade          = "invite_made"
	MsgInviteRoleNotHeld   = "invite_err_role_not_held"
	MsgPosterReporter      = "poster_reporter"
	MsgPosterStaff         = "poster_staff"
	MsgUnjoinedNone        = "unjoined_none"
	MsgUnjoinedList        = "unjoined_list"
	MsgUnjoinedPeople      = "unjoined_people"
	MsgUnjoinedPerson      = "unjoined_person"
	MsgUnjoinedUnits       = "unjoined_units"
	MsgUnjoinedUnit        = "unjoined_unit"
	MsgUnjoinedMore        = "unjoined_more"

	// Command menu descriptions.
	MsgCmdStart  = "cmd_start"
	MsgCmdHelp   = "cmd_help"
	MsgCmdCancel = "cmd_cancel"

	// Notifications.
	MsgCaseReceived = "case_received"
)
