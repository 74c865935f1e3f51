package store

// Message IDs of the notifications the store enqueues. They are rendered from locales/ in the
// recipient's language when they are sent; a test checks that every one exists there.
const (
	// To the handler a case is assigned to.
	NoticeAssignedToYou    = "case_assigned_to_you"
	NoticeInfoAdded        = "case_info_added"
	NoticeRehandle         = "case_rehandle_to_you"
	NoticeUrged            = "case_urged"
	NoticeMergedAway       = "case_merged_away"
	NoticeExtensionGranted = "case_extension_granted"
	NoticeExtensionRefused = "case_extension_refused"
	// An office marked the case urgent, or not urgent.
	NoticeUrgencyChanged = "case_urgency_changed"

	// To the reporter, at each change that matters to them.
	NoticeAssigned   = "n_assigned"
	NoticeSigned     = "n_signed"
	NoticeProgress   = "n_progress"
	NoticeResolved   = "n_resolved"
	NoticeRejected   = "n_rejected"
	NoticeMerged     = "n_merged"
	NoticeRehandled  = "n_rehandled"
	NoticeWrittenOff = "n_written_off"
	NoticeNoFeedback = "n_no_feedback"
	// The office found that the reporter does not speak for the unit they named.
	NoticeReporterRejected = "n_reporter_rejected"
	// The caption of the photos and documents a handler attached to a note or a result.
	NoticeHandlerFiles = "n_handler_files"

	// To the reporters of cases merged into a case, who follow it.
	NoticeFollowedResolved = "n_followed_resolved"
	NoticeFollowedClosed   = "n_followed_closed"

	// To the office, when something waits for its decision.
	NoticeUnsatisfied    = "n_unsatisfied"
	NoticeHandedBack     = "office_handed_back"
	NoticeEscalated      = "office_escalated"
	NoticeExtensionAsked = "office_extension_asked"
	// An urgent problem is new: filed urgent, whether it waits in triage or went to the
	// unit's linked cadre.
	NoticeUrgentNew = "office_urgent_new"
	// A new case waits in triage (not urgent: NoticeUrgentNew tells those).
	NoticeNewCase = "office_new_case"
	// Another member marked a case urgent.
	NoticeUrgentMarked = "office_urgent_marked"

	// Reminders (DESIGN.md §4.2).
	NoticeDueSoon       = "remind_due_soon"
	NoticeOverdue       = "remind_overdue"
	NoticeOverdueOffice = "remind_overdue_office"
	NoticeNamed         = "remind_named"
	NoticeAutoEscalated = "remind_escalated"
	NoticeDigest        = "remind_digest"
	// The daily board of an office's regions.
	NoticeBoard = "office_board"

	// Buttons on notifications.
	NoticeBtnSolved   = "btn_fb_solved"
	NoticeBtnUnsolved = "btn_fb_unsolved"
	NoticeBtnSign     = "btn_sign"
	NoticeBtnHandBack = "btn_handback"
	NoticeBtnView     = "btn_view"
)

func viewButton(ticket string) [][]NotificationButton {
	return [][]NotificationButton{{{MessageID: NoticeBtnView, Data: ViewButton + ":" + ticket}}}
}

func assignedButtons(ticket string) [][]NotificationButton {
	return [][]NotificationButton{{{MessageID: NoticeBtnSign, Data: SignButton + ":" + ticket},
		{MessageID: NoticeBtnHandBack, Data: HandBackButton + ":" + ticket}}}
}
