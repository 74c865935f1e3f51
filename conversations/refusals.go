package conversations

import (
	"errors"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// refusalRule is one line of a refusal table: an expected refusal of the store and what the
// audience of the table is told of it.
type refusalRule struct {
	err error
	msg string
}

// The store's expected refusals, as each audience is told them (the first line that matches
// wins). An error no line matches is no refusal: the person is asked to try again, and the
// cause is logged.
var (
	// staffRefusals: a handler or an office acting on a case. To a stranger the case does not
	// exist; to someone who sees it, the action is not theirs, not possible now, too late,
	// overtaken by someone else's, or incomplete.
	staffRefusals = []refusalRule{
		{store.ErrNotFound, MsgStatusUnknown},
		{store.ErrForbidden, MsgActForbidden},
		{store.ErrIllegalTransition, MsgActNotNow},
		{store.ErrTooLate, MsgActTooLate},
		{store.ErrChanged, MsgActChanged},
		{store.ErrInvalid, MsgActInvalid},
	}
	// reporterRefusals: a reporter acting on their own case. A case that is not theirs is
	// unknown; one that has moved on since the dialog began is no longer open.
	reporterRefusals = []refusalRule{
		{store.ErrNotFound, MsgStatusUnknown},
		{store.ErrForbidden, MsgStatusUnknown},
		{store.ErrIllegalTransition, MsgFbNotOpen},
	}
	// inviteRefusals: someone using an invite.
	inviteRefusals = []refusalRule{
		{store.ErrInviteUnknown, MsgInviteUnknown},
		{store.ErrInviteUsed, MsgInviteUsed},
		{store.ErrInviteExpired, MsgInviteExpired},
		{store.ErrInviteRevoked, MsgInviteRevoked},
		{store.ErrAccountInUse, MsgInviteAccountInUse},
		{store.ErrPersonIsBound, MsgInvitePersonIsBound},
	}
	// The figures are an office's or an admin's: someone unknown is told to join first,
	// anyone else (a handler, a reporter) that the figures, the bulletin or the monthly report
	// are not for them.
	statsRefusals    = []refusalRule{{store.ErrNotFound, MsgNotBound}, {store.ErrForbidden, MsgStatsOfficesOnly}}
	bulletinRefusals = []refusalRule{{store.ErrNotFound, MsgNotBound}, {store.ErrForbidden, MsgReportOfficesOnly}}
	monthlyRefusals  = []refusalRule{{store.ErrNotFound, MsgNotBound}, {store.ErrForbidden, MsgMonthlyOfficesOnly}}
)

// refusal is err as the Refusal table makes of it, or err itself when it is none.
func refusal(table []refusalRule, err error) error {
	if msg, ok := refusalMessage(table, err); ok {
		return &dialog.Refusal{MessageID: msg}
	}
	return err
}

// refusalMessage is what table says of err, and whether err is a refusal it knows.
func refusalMessage(table []refusalRule, err error) (string, bool) {
	for _, r := range table {
		if errors.Is(err, r.err) {
			return r.msg, true
		}
	}
	return "", false
}
