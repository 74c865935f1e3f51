package dialog

// Kind is what an input carries.
type Kind int

const (
	KindOther   Kind = iota // anything the dialogs do not take (a sticker, a poll…)
	KindText                // plain text
	KindCommand             // /command [args]
	KindButton              // an inline button pressed
	KindPhoto
	KindDocument
	KindLocation
	KindContact
)

// String names the kind, for metrics and logs.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindCommand:
		return "command"
	case KindButton:
		return "button"
	case KindPhoto:
		return "photo"
	case KindDocument:
		return "document"
	case KindLocation:
		return "location"
	case KindContact:
		return "contact"
	default:
		return "other"
	}
}

// Input is one thing a user did, as the platform reported it.
type Input struct {
	UpdateID  int64
	ChatID    int64
	UserID    int64
	FirstName string
	// Group is set when the chat is shared by several people (a group, a supergroup): nothing
	// personal is done or shown there. Unset, the chat is the person's own with the bot.
	Group bool
	// LangCode is the user's platform language ("zh-hans", "en-US"), possibly empty.
	LangCode string
	Kind     Kind
	// Text is a message's text or a file's caption.
	Text string
	// Command and Args split "/start abc": "start", "abc".
	Command string
	Args    string
	// Data, CallbackID and MessageID describe a pressed button: its data, the press to
	// answer, and the message it sits on.
	Data       string
	CallbackID string
	MessageID  int64
	Files      []File
	Location   *Location
	Phone      string
}

// File is a photo or document kept by the platform.
type File struct {
	ID       string
	UniqueID string
	Name     string
	MimeType string
	Size     int64
	Photo    bool
}

// Location is a shared point; Name, when the person shared a named place (a venue), says
// what it is.
type Location struct {
	Latitude, Longitude float64
	Name                string `json:",omitempty"`
}

// placeSuffix keys, beside a step's saved location, the name of the place it was shared as.
const placeSuffix = ".name"

// Media is a photo or document the platform keeps, sent again by its id.
type Media struct {
	FileID string
	Photo  bool   `json:",omitempty"`
	Name   string `json:",omitempty"`
}

// Document is a file made to be sent: its name, as the reader sees it, and its bytes.
type Document struct {
	Name string
	Data []byte
}

// MaxAlbum is how many photos one album holds.
const MaxAlbum = 10

// Output is one thing to show the user.
type Output struct {
	ChatID int64
	Text   string
	// Buttons are inline buttons, in rows.
	Buttons [][]Button
	// EditMessageID, when set, replaces that message instead of sending a new one.
	EditMessageID int64
	// Pressed says EditMessageID is the message whose button the person just pressed: the
	// answer in place that they are looking at, which Telegram limits per chat only.
	Pressed bool
	// Case is the ticket of the case whose actions Buttons offer, and Lang the language of
	// the message: the bot remembers it with the case, so that its buttons retire when the
	// case moves on.
	Case, Lang string
	// Forget says EditMessageID may have carried a case's buttons (a press on it was no
	// dialog's): whatever was remembered of it goes, as it now shows something else.
	Forget bool
	// ClearButtons, with EditMessageID and no Text, takes the buttons off that message (an
	// answered prompt), so it cannot be pressed again.
	ClearButtons bool
	// Prompt, on a dialog's prompt with buttons, names the run of the dialog it asks for
	// (Session.Instance). The engine remembers the message such a prompt went out as, so that
	// when the person answers it by typing rather than pressing, the buttons that no longer
	// apply are taken off it.
	Prompt string
	// Photo, when set, is sent as a picture with Text as its caption.
	Photo []byte
	// Document, when set, is sent as a file made here (a workbook), with Text as its
	// caption.
	Document *Document `json:",omitempty"`
	// Media, when set, is sent again from the platform's files, with Text as the caption of
	// the first: photos as one album (at most MaxAlbum), or one document.
	Media []Media `json:",omitempty"`
	// Location, when set, is sent as a pin on the map (Text is not sent).
	Location *Location `json:",omitempty"`
	// CallbackID and Notice answer a button press (the short notice Telegram shows).
	CallbackID string
	Notice     string
	// Menu, when set, replaces this chat's command menu with these commands.
	Menu []MenuCommand
}

// MenuCommand is a command of a chat's menu, with its localized description.
type MenuCommand struct {
	Command, Description string
}

// Button is an inline button: one that sends Data back when pressed, or, with URL, one that
// opens that address (a link to the bot's private chat) and sends nothing.
type Button struct {
	Text string
	Data string
	URL  string
}
