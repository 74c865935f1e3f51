package dialog

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// stateVersion is the version of the stored session format. Bump it when the layout below
// changes; older sessions are then reset with a message instead of misread.
const stateVersion = 1

// state is a session as stored in Redis.
type state struct {
	V      int               `json:"v"`
	Dialog string            `json:"d"`
	DV     int               `json:"dv"`
	Step   string            `json:"s"`
	Data   map[string]string `json:"data,omitempty"`
	Files  map[string][]File `json:"files,omitempty"`
	// Hist is the steps behind the current one, for Back.
	Hist []string `json:"h,omitempty"`
	// ID tells this run of a dialog from earlier ones, Seq this prompt from earlier ones:
	// buttons carry both, so a press on anything but the latest prompt is stale.
	ID  string `json:"id"`
	Seq int    `json:"q"`
	// Pending is a dialog the user asked for while in this one, awaiting "abandon?".
	Pending string `json:"p,omitempty"`
	// PendingArg is the pending dialog's argument, when a button asked for it.
	PendingArg string `json:"pa,omitempty"`
}

var errBadState = errors.New("unreadable session")

func encodeState(st *state) ([]byte, error) { return json.Marshal(st) }

// decodeState reads a stored session. Anything that is not a well-formed session of a known
// format version is errBadState (or an older version, reported as such), never a panic.
func decodeState(b []byte) (*state, error) {
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadState, err)
	}
	if st.V != stateVersion {
		return &st, fmt.Errorf("%w: format version %d, want %d", errBadState, st.V, stateVersion)
	}
	if st.Dialog == "" || st.Step == "" || len(st.ID) != idLen || st.Seq < 0 || len(st.Hist) > 100 {
		return nil, fmt.Errorf("%w: incomplete", errBadState)
	}
	if st.Data == nil {
		st.Data = map[string]string{}
	}
	if st.Files == nil {
		st.Files = map[string][]File{}
	}
	return &st, nil
}

const (
	idLen      = 6
	idAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"
)

func newInstanceID() string {
	b := make([]byte, idLen)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// Dialog buttons carry "~dialog|instance|seq|action[value]". Telegram allows 64 bytes of
// callback data; the value gets what is left.
const (
	buttonPrefix   = "~"
	maxButtonBytes = 64
)

type action byte

const (
	actChoose  action = 'c'
	actBack    action = 'b'
	actCancel  action = 'x'
	actSkip    action = 's'
	actConfirm action = 'k'
	actDone    action = 'd'
	actYes     action = 'y' // abandon the current dialog for the pending one
	actNo      action = 'n'
)

type button struct {
	Dialog string
	ID     string
	Seq    int
	Act    action
	Value  string
}

func (b button) encode() (string, bool) {
	s := buttonPrefix + b.Dialog + "|" + b.ID + "|" + strconv.Itoa(b.Seq) + "|" + string(b.Act) + b.Value
	return s, len(s) <= maxButtonBytes
}

// parseButton reads dialog button data. ok is false for anything else, including forged or
// truncated data.
func parseButton(data string) (b button, ok bool) {
	rest, found := strings.CutPrefix(data, buttonPrefix)
	if !found || len(data) > maxButtonBytes {
		return b, false
	}
	parts := strings.SplitN(rest, "|", 4)
	if len(parts) != 4 || parts[0] == "" || len(parts[1]) != idLen || parts[3] == "" {
		return b, false
	}
	seq, err := strconv.Atoi(parts[2])
	if err != nil || seq < 0 || strconv.Itoa(seq) != parts[2] {
		return b, false
	}
	b = button{Dialog: parts[0], ID: parts[1], Seq: seq, Act: action(parts[3][0]), Value: parts[3][1:]}
	switch b.Act {
	case actChoose:
	case actBack, actCancel, actSkip, actConfirm, actDone, actYes, actNo:
		if b.Value != "" {
			return button{}, false
		}
	default:
		return button{}, false
	}
	return b, true
}

// IsDialogButton reports whether button data belongs to a dialog (as opposed to a button on
// a notification, which other handlers take).
func IsDialogButton(data string) bool { return strings.HasPrefix(data, buttonPrefix) }

func formatLocation(l Location) string {
	return strconv.FormatFloat(l.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', 6, 64)
}
