package store

// The callback data of every inline button: a prefix, a colon, and what it is about
// ("sg:XC-20261124-0007"). Every prefix is declared here, so that none is used twice and a
// reader finds them together. Like every button, they prove nothing: whoever presses one is
// checked on the server against their roles and region when it is pressed.
const (
	// On a case: its handler's actions.
	SignButton      = "sg" // sign for it (签收)
	HandBackButton  = "hb" // hand it back (退回), with the reason
	ProgressButton  = "pg" // a progress note the reporter sees
	ResolveButton   = "rs" // the result (办结)
	ExtensionButton = "ex" // ask for more time (延期)
	EscalateButton  = "es" // escalate one level up (提级), a handler's or an office's

	// On a case: its offices' actions.
	AssignButton          = "as" // assign or reassign (交办)
	RejectButton          = "rj" // not accepted (不予受理)
	MergeButton           = "mg" // merge into another case (并案)
	UrgeButton            = "ug" // urge its handler (催办)
	GrantButton           = "eg" // grant the extension asked for
	RefuseButton          = "er" // refuse it, with the reason
	RehandleButton        = "rh" // send a result the reporter was not satisfied with back (重办)
	WriteOffButton        = "wo" // close it out as it stands
	MarkUrgentButton      = "mu" // mark it urgent; retires once it is
	MarkNormalButton      = "mn" // mark it not urgent; retires once it is
	ConfirmReporterButton = "rv" // the self-registered reporter speaks for the unit
	RejectReporterButton  = "rx" // they do not

	// On a case: its reporter's.
	AddButton = "add" // add text or files to an open case
	// FeedbackButton: "fb:<ticket>:y" (solved) or "fb:<ticket>:n" (not solved) on a result.
	FeedbackButton = "fb"

	// On a case: anyone's who may see it.
	ViewButton = "st" // open the case's view
	// EvidenceButton sends the case's photos, documents and place ("ev:<ticket>"), or what
	// came with one addition ("ev:<ticket>:<event>"), to its reporter, handler or offices.
	EvidenceButton = "ev"

	// Pages and periods of lists.
	InboxPageButton   = "ib" // a page of /inbox
	TriagePageButton  = "tq" // a page of /triage
	OverduePageButton = "od" // a page of /overdue
	MyPageButton      = "my" // a page of /my
	StatsButton       = "sx" // a period of /stats
)

// ButtonPrefixes are all of the above, for the test that none is used twice.
var ButtonPrefixes = []string{SignButton, HandBackButton, ProgressButton, ResolveButton, ExtensionButton, EscalateButton,
	AssignButton, RejectButton, MergeButton, UrgeButton, GrantButton, RefuseButton, RehandleButton, WriteOffButton,
	MarkUrgentButton, MarkNormalButton, ConfirmReporterButton, RejectReporterButton, AddButton, FeedbackButton,
	ViewButton, EvidenceButton, InboxPageButton, TriagePageButton, OverduePageButton, MyPageButton, StatsButton}
