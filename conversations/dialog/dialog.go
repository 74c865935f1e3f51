package dialog

import "context"

// A Dialog is a multi-step interaction, declared as steps. The engine runs it: it keeps the
// session in Redis between updates, shows each step's prompt, checks the answer, and offers
// Back and Cancel at every step and, when Summary is set, a confirm step at the end.
type Dialog struct {
	// Name identifies the dialog in stored sessions and in button data: short (at most 8
	// bytes), and never reused for a different dialog.
	Name string
	// Command starts the dialog ("new" for /new).
	Command string
	// Button, when set, also starts the dialog from a button outside any dialog whose data
	// is "Button:arg" (a button on a case or on a notification); Begin finds the arg in
	// Session.Data["arg"] and checks on the server that the presser may do what it offers.
	Button string
	// Version is the version of the dialog's steps and data. Bump it when a change makes old
	// sessions meaningless; sessions of an older version are passed to Migrate, or reset with
	// a message when Migrate is nil or fails.
	Version int
	Migrate func(s *Session, from int) error
	// Steps, in their default order; the first is where the dialog starts, unless First
	// (called after Begin) names another.
	Steps []*Step
	First func(s *Session) string
	// Begin, when set, runs before the first prompt (to load what the steps offer). An error
	// with a message ID (a Refusal) ends the dialog with that message.
	Begin func(ctx context.Context, s *Session) error
	// Summary, when set, ends the dialog with a confirm step that shows it.
	Summary func(s *Session) Reply
	// Receipt, when set with Summary, is what was confirmed worded as done (the summary
	// without its question). When Done answers a confirm with text alone, the summary pressed
	// becomes Done's answer above the receipt: one message where there would be two, and what
	// was confirmed stays readable beside its outcome (a ticket number).
	Receipt func(s *Session) Reply
	// Done completes the dialog (after the confirm step, if there is one) and says what to
	// answer. When it fails, the session stays at the confirm step so the user can try
	// again; a Refusal is shown as its message, any other error as "try again".
	Done func(ctx context.Context, s *Session) (Reply, error)
}

// A Step asks for one thing.
type Step struct {
	// Name keys the answer in Session.Data and names the step in stored sessions.
	Name string
	// Prompt is the message ID of the question; PromptData fills its template.
	Prompt     string
	PromptData func(s *Session) map[string]any
	// Choices, when set, are offered as buttons; a pressed choice is the answer.
	Choices func(s *Session) []Choice
	// Accepts lists the kinds of input the step takes besides its choices. Empty means
	// text, unless Choices is set, which then means choices only.
	Accepts []Kind
	// MinLen and MaxLen bound a text answer in UTF-16 code units, as Telegram counts text
	// (an emoji is two), after trimming spaces. MaxLen 0 means the longest message (4096).
	// Every text answer is also refused when it holds control characters or shows nothing
	// (intake.Check, intake.Blank), and a location when it lies off the globe.
	MinLen, MaxLen int
	// Validate checks an answer beyond kind and length (against the database, if need be);
	// it returns the message ID of a localized error, or "" when the answer is good.
	Validate func(ctx context.Context, s *Session, in Input) string
	// Save stores the answer. By default a choice or text is stored in Data[Name], a
	// location as "lat,lon", files are appended to Files[Name].
	Save func(s *Session, in Input)
	// More, when set, keeps the step open after an answer (for several photos): the
	// step is left with a Done button, or when More returns false.
	More func(s *Session) bool
	// Next names the step after this one (it may look at the database); nil or "" means the
	// following step in the list.
	Next func(ctx context.Context, s *Session) string
	// Optional steps offer Skip.
	Optional bool
}

// Choice is a button offered by a step.
type Choice struct {
	// Label is a message ID, or the label itself when Literal is set (a unit's name).
	Label   string
	Literal bool
	Value   string
}

// Reply is a localized message to show: a message ID, its data and buttons, and optionally
// a picture (the message then is its caption).
type Reply struct {
	MessageID string
	Data      map[string]any
	Buttons   [][]Button
	Photo     []byte
	// Document, when set, is sent as a file, the message its caption.
	Document *Document
	// Media and Location are sent as Output's are: MessageID, when set, is the caption of the
	// first of Media; a Location has none.
	Media    []Media
	Location *Location
	// Edit, in answer to a button, replaces the message the button is on (a list turning
	// its page) instead of sending a new one.
	Edit bool
	// Case is the ticket of the case whose actions Buttons offer: the message is remembered
	// with the case, so that they retire when it moves on.
	Case string
}

// Call is a command as its handler sees it.
type Call struct {
	Input
	// Lang is the language to answer in.
	Lang string
}

// CommandFunc answers a command that is not a dialog (/unjoined). A Refusal is shown as its
// message; any other error as "try again".
type CommandFunc func(ctx context.Context, c Call) ([]Reply, error)

// Refusal is an expected refusal with a message for the user (an invite already used, a
// case that is not theirs).
type Refusal struct {
	MessageID string
	Data      map[string]any
	// Final, from Done, ends the dialog: confirming again would be refused again (the
	// action is not the person's, or too late, or the case changed). Otherwise the confirm
	// step stays, for the person to go back and change what was refused.
	Final bool
}

func (r *Refusal) Error() string { return "refused: " + r.MessageID }

// Session is a dialog in progress, as the steps see and change it.
type Session struct {
	Dialog string
	Step   string
	// Data holds the answers by step name; Files the files by step name.
	Data  map[string]string
	Files map[string][]File
	// ChatID, UserID, FirstName and Lang are the person's, for Begin and Done.
	ChatID, UserID  int64
	FirstName, Lang string
	// UpdateID is the update being handled.
	UpdateID int64
	// Instance tells this run of the dialog from every other: Done uses it as its
	// idempotency key, so a confirm applied twice (redelivered, or confirmed again after an
	// outcome the person never saw) acts once.
	Instance string
}

// Get returns an answer.
func (s *Session) Get(step string) string { return s.Data[step] }

// Set stores an answer.
func (s *Session) Set(step, v string) { s.Data[step] = v }

// Place is the name of the place a location step's answer was shared as, "" for a bare point.
func (s *Session) Place(step string) string { return s.Data[step+placeSuffix] }

func (st *Step) accepts(k Kind) bool {
	if len(st.Accepts) == 0 {
		return k == KindText && st.Choices == nil
	}
	for _, a := range st.Accepts {
		if a == k {
			return true
		}
	}
	return false
}

func (st *Step) maxLen() int {
	if st.MaxLen <= 0 || st.MaxLen > MaxText {
		return MaxText
	}
	return st.MaxLen
}
