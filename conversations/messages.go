package conversations

import "github.com/bangban/bangban/store"

// Message IDs of the dialogs, as in locales/ (the engine's own are in dialog/messages.go).
// Every ID used in code is a constant here, so a test can check that each exists in every
// language.
const (
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

	// Where notifications go (/where), for a person bound on both platforms.
	MsgWhereAsk          = "where_ask"
	MsgWhereLast         = "where_last"
	MsgWhereTelegram     = "where_telegram"
	MsgWhereWeCom        = "where_wecom"
	MsgWhereSetLast      = "where_set_last"
	MsgWhereSetTelegram  = "where_set_telegram"
	MsgWhereSetWeCom     = "where_set_wecom"
	MsgWhereOnlyTelegram = "where_only_telegram"
	MsgWhereOnlyWeCom    = "where_only_wecom"
	MsgWhereNotJoined    = "where_not_joined"

	// Filing a problem (/new).
	MsgNewAskKind       = "new_ask_kind"
	MsgKindEnterprise   = "kind_enterprise"
	MsgKindVillage      = "kind_village"
	MsgNewAskUnitName   = "new_ask_unit_name"
	MsgNewAskCredit     = "new_ask_credit"
	MsgNewBadCredit     = "new_bad_credit"
	MsgNewAskUnit       = "new_ask_unit"
	MsgNewAskCategory   = "new_ask_category"
	MsgNewAskDesc       = "new_ask_desc"
	MsgNewAskFiles      = "new_ask_files"
	MsgNewTooManyFiles  = "new_too_many_files"
	MsgNewFileTooBig    = "new_file_too_big"
	MsgNewFileType      = "new_file_type"
	MsgNewAskWhere      = "new_ask_where"
	MsgNewNoLocation    = "new_no_location"
	MsgNewAskUrgency    = "new_ask_urgency"
	MsgUrgencyNormal    = "urgency_normal"
	MsgUrgencyUrgent    = "urgency_urgent"
	MsgNewSummary       = "new_summary"
	MsgNewReceipt       = "new_receipt"
	MsgNewFiledAssigned = "new_filed_assigned"
	MsgNewFiledTriage   = "new_filed_triage"
	MsgNewAskDup        = "new_ask_dup"
	MsgNewDupAdd        = "new_dup_add"
	MsgNewDupNew        = "new_dup_new"
	MsgNewSummaryAdd    = "new_summary_add"
	MsgNewReceiptAdd    = "new_receipt_add"
	MsgNewAdded         = "new_added"
	MsgNewAddGone       = "new_add_gone"

	// A reporter's cases (/my, /status).
	MsgMyNone        = "my_none"
	MsgMyList        = "my_list"
	MsgMyLine        = "my_line"
	MsgPagePrev      = "page_prev"
	MsgPageNext      = "page_next"
	MsgStatusUsage   = "status_usage"
	MsgStatusUnknown = "status_unknown"
	MsgStatusView    = "status_view"
	MsgStatusEvent   = "status_event"
	// MsgButtonsRetired is the line a message gets when a case's change took its buttons
	// off; MsgButtonsRetiredGone when the person can no longer see the case.
	MsgButtonsRetired      = "buttons_retired"
	MsgButtonsRetiredGone  = "buttons_retired_gone"
	MsgStatusEarlier       = "status_earlier"
	MsgStatusRefused       = "status_refused"
	MsgStatusFlagged       = "status_flagged"
	MsgStatusFollowView    = "status_follow_view"
	MsgStatusResolvedPlain = "status_resolved_plain"

	// Command menu descriptions.
	MsgCmdStart    = "cmd_start"
	MsgCmdHelp     = "cmd_help"
	MsgCmdNew      = "cmd_new"
	MsgCmdMy       = "cmd_my"
	MsgCmdStatus   = "cmd_status"
	MsgCmdCancel   = "cmd_cancel"
	MsgCmdInvite   = "cmd_invite"
	MsgCmdUnjoined = "cmd_unjoined"
	MsgCmdWhere    = "cmd_where"

	// Notifications.
	MsgCaseReceived = "case_received"

	// Feedback (/rate) and adding to a case (/add).
	MsgCmdRate           = "cmd_rate"
	MsgRateUsage         = "rate_usage"
	MsgFbNotOpen         = "fb_not_open"
	MsgFbAskSolved       = "fb_ask_solved"
	MsgFbAskSatisfaction = "fb_ask_satisfaction"
	MsgFbAskComment      = "fb_ask_comment"
	MsgFbYes             = "fb_yes"
	MsgFbNo              = "fb_no"
	MsgFbThanksClosed    = "fb_thanks_closed"
	MsgFbThanksOffice    = "fb_thanks_office"
	MsgCmdAdd            = "cmd_add"
	MsgAddUsage          = "add_usage"
	MsgAddAskText        = "add_ask_text"
	MsgAddSummary        = "add_summary"
	MsgAddEmpty          = "add_empty"
	MsgBtnAdd            = "btn_add"

	// Handling and supervision: lists, case actions and their answers.
	MsgCmdInbox          = "cmd_inbox"
	MsgCmdTriage         = "cmd_triage"
	MsgCmdOverdue        = "cmd_overdue"
	MsgInboxNone         = "inbox_none"
	MsgInboxList         = "inbox_list"
	MsgTriageNone        = "triage_none"
	MsgTriageList        = "triage_list"
	MsgOverdueNone       = "overdue_none"
	MsgOverdueList       = "overdue_list"
	MsgWorkLine          = "work_line"
	MsgLate              = "work_late"
	MsgStaffView         = "staff_view"
	MsgStatusUnsatisfied = "status_unsatisfied"
	MsgActUsage          = "act_usage"
	MsgActForbidden      = "act_forbidden"
	MsgActNotNow         = "act_not_now"
	MsgActTooLate        = "act_too_late"
	MsgActChanged        = "act_changed"
	MsgActInvalid        = "act_invalid"
	MsgActSummary        = "act_summary"
	MsgExtSummary        = "ext_summary"
	MsgMergeSummary      = "merge_summary"
	MsgAssignSummary     = "assign_summary"
	MsgNoAssignees       = "assign_none"
	MsgBadDate           = "bad_date"
	MsgMergeBadTarget    = "merge_bad_target"
	MsgActSign           = "act_sign"
	MsgActEvidence       = "act_evidence"
	MsgActUrge           = "act_urge"
	MsgActGrant          = "act_grant"
	MsgActHandBack       = "act_handback"
	MsgActProgress       = "act_progress"
	MsgActResolve        = "act_resolve"
	MsgActEscalate       = "act_escalate"
	MsgActReject         = "act_reject"
	MsgActRefuse         = "act_refuse"
	MsgActRehandle       = "act_rehandle"
	MsgActWriteOff       = "act_writeoff"
	MsgActExtension      = "act_extension"
	MsgActMerge          = "act_merge"
	MsgActAssign         = "act_assign"
	MsgActRate           = "act_rate"
	MsgActAdd            = "act_add"
	MsgAskHandBack       = "ask_handback"
	MsgAskProgress       = "ask_progress"
	MsgAskResult         = "ask_result"
	MsgAskEscalate       = "ask_escalate"
	MsgAskReject         = "ask_reject"
	MsgAskRefuse         = "ask_refuse"
	MsgAskRehandle       = "ask_rehandle"
	MsgAskWriteOff       = "ask_writeoff"
	MsgAskExtReason      = "ask_ext_reason"
	MsgAskExtDate        = "ask_ext_date"
	MsgAskMergeInto      = "ask_merge_into"
	MsgAskTriageCategory = "ask_triage_category"
	MsgAskComplexity     = "ask_complexity"
	MsgAskAssignee       = "ask_assignee"
	MsgDoneSigned        = "done_signed"
	MsgDoneUrged         = "done_urged"
	MsgDoneGranted       = "done_granted"
	MsgDoneHandedBack    = "done_handed_back"
	MsgDoneProgress      = "done_progress"
	MsgDoneResolved      = "done_resolved"
	MsgDoneEscalated     = "done_escalated"
	MsgDoneRejected      = "done_rejected"
	MsgDoneRefused       = "done_refused"
	MsgDoneRehandled     = "done_rehandled"
	MsgDoneWrittenOff    = "done_written_off"
	MsgDoneExtAsked      = "done_ext_asked"
	MsgDoneMerged        = "done_merged"
	MsgDoneAssigned      = "done_assigned"
	MsgDoneHandedOver    = "done_handed_over"
	MsgBtnProgress       = "btn_progress"
	MsgBtnResolve        = "btn_resolve"
	MsgBtnExtension      = "btn_extension"
	MsgBtnEscalate       = "btn_escalate"
	MsgBtnAssign         = "btn_assign"
	MsgBtnReassign       = "btn_reassign"
	MsgBtnReject         = "btn_reject"
	MsgBtnMerge          = "btn_merge"
	MsgBtnUrge           = "btn_urge"
	MsgBtnGrant          = "btn_grant"
	MsgBtnRefuse         = "btn_refuse"
	MsgBtnRehandle       = "btn_rehandle"
	MsgBtnWriteOff       = "btn_writeoff"

	// The mark an urgent case shows in every list and view: each message that shows it
	// spells it as this one does.
	MsgUrgentMark = "urgent_mark"

	// An office marking a case urgent, or not urgent.
	MsgBtnMarkUrgent    = "btn_mark_urgent"
	MsgBtnMarkNormal    = "btn_mark_normal"
	MsgActMarkUrgent    = "act_mark_urgent"
	MsgActMarkNormal    = "act_mark_normal"
	MsgDoneMarkedUrgent = "done_marked_urgent"
	MsgDoneMarkedNormal = "done_marked_normal"

	// A reporter who named their unit without an invite, until an office decides.
	MsgUnverifiedMark        = "unverified_reporter"
	MsgUnverifiedAsk         = "unverified_reporter_ask"
	MsgBtnConfirmReporter    = "btn_confirm_reporter"
	MsgBtnRejectReporter     = "btn_reject_reporter"
	MsgActConfirmReporter    = "act_confirm_reporter"
	MsgActRejectReporter     = "act_reject_reporter"
	MsgDoneReporterConfirmed = "done_reporter_confirmed"
	MsgDoneReporterRejected  = "done_reporter_rejected"
)

// complexityMsg names each class of case (一般 / 重大复杂).
var complexityMsg = map[string]string{
	store.Ordinary: "complexity_ordinary",
	store.Complex:  "complexity_complex",
}

// limitMsg names the next limit of a case in a work list.
var limitMsg = map[string]string{
	store.LimitSign:     "limit_sign",
	store.LimitFeedback: "limit_feedback",
	store.LimitResolve:  "limit_resolve",
}

// whyMsg says why a case waits in an office's queue.
var whyMsg = map[string]string{
	store.WhyNew:         "why_new",
	store.WhyHandedBack:  "why_handed_back",
	store.WhyEscalated:   "why_escalated",
	store.WhyUnsatisfied: "why_unsatisfied",
	store.WhyExtension:   "why_extension",
}

// satisfactionMsg is the label of each satisfaction answer.
var satisfactionMsg = map[string]string{
	store.Satisfied:      "sat_satisfied",
	store.BasicSatisfied: "sat_basic",
	store.Unsatisfied:    "sat_unsatisfied",
}

// A case's photos, documents and place.
const (
	MsgEvidenceFiles    = "evidence_files"
	MsgEvidencePlace    = "evidence_place"
	MsgEvidenceCaption  = "evidence_caption"
	MsgEvidenceDocument = "evidence_document"
	MsgEvidenceNone     = "evidence_none"

	// /stats: the figures of an office's region.
	MsgCmdStats         = "cmd_stats"
	MsgStats            = "stats"
	MsgStatsLine        = "stats_line"
	MsgStatsMore        = "stats_more"
	MsgStatsSelf        = "stats_self"
	MsgStatsNone        = "stats_none"
	MsgStatsNoCategory  = "stats_no_category"
	MsgStatsNoGroup     = "stats_no_group"
	MsgStatsUnassigned  = "stats_unassigned"
	MsgStatsUsage       = "stats_usage"
	MsgStatsOfficesOnly = "stats_offices_only"
	MsgStatsBtnW0       = "stats_btn_w0"
	MsgStatsBtnW1       = "stats_btn_w1"
	MsgStatsBtnM0       = "stats_btn_m0"
	MsgStatsBtnM1       = "stats_btn_m1"
	MsgStatsBtnY0       = "stats_btn_y0"

	// /report week and the Monday bulletin (周通报).
	MsgCmdReport              = "cmd_report"
	MsgReportUsage            = "report_usage"
	MsgReportOfficesOnly      = "report_offices_only"
	MsgBulletin               = "bulletin"
	MsgBulletinNamedLine      = "bulletin_named_line"
	MsgBulletinUnitLine       = "bulletin_unit_line"
	MsgBulletinCategoryLine   = "bulletin_category_line"
	MsgBulletinTrendTitle     = "bulletin_trend_title"
	MsgBulletinRegionsTitle   = "bulletin_regions_title"
	MsgBulletinTrendCaption   = "bulletin_trend_caption"
	MsgBulletinRegionsCaption = "bulletin_regions_caption"
	MsgBulletinFound          = "bulletin_found"
	MsgBulletinResolved       = "bulletin_resolved"
	MsgBulletinWaiting        = "bulletin_waiting"
	MsgBulletinInProgress     = "bulletin_in_progress"
	MsgBulletinOverdue        = "bulletin_overdue"
	MsgMonthlyOfficesOnly     = "monthly_offices_only"
	MsgMonthlyPreparing       = "monthly_preparing"
	MsgMonthlyCaption         = "monthly_caption"
	MsgMonthlyTrendTitle      = "monthly_trend_title"
	MsgMonthlyTooLarge        = "monthly_too_large"
	MsgMonthlySummaryFile     = "monthly_summary_file"
	MsgStatsChartCaption      = "stats_chart_caption"
)
