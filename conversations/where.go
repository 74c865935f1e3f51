package conversations

import (
	"context"
	"errors"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// WhereButton starts the data of /where's buttons: "where:telegram", "where:wecom" and
// "where:last".
const WhereButton = "where"

// whereLast is the button data's word for store.WhereLast, which is "".
const whereLast = "last"

// where lets a person bound on Telegram and in WeCom choose where they are sent their
// notifications (/where): one platform for good, or the one they used last (the default).
type where struct {
	st *store.Store
	tr *dialog.Translator
}

// RegisterWhere adds /where and its buttons.
func RegisterWhere(e *dialog.Engine, st *store.Store) error {
	w := &where{st: st, tr: e.Translator()}
	if err := e.RegisterCommand("where", w.ask); err != nil {
		return err
	}
	return e.RegisterButton(WhereButton, w.choose)
}

// whereChoices are the choices in their buttons' order, with their button data and label.
var whereChoices = []struct{ where, data, label, set string }{
	{store.WhereLast, whereLast, MsgWhereLast, MsgWhereSetLast},
	{store.WhereTelegram, store.WhereTelegram, MsgWhereTelegram, MsgWhereSetTelegram},
	{store.WhereWeCom, store.WhereWeCom, MsgWhereWeCom, MsgWhereSetWeCom},
}

// ask offers the three choices, saying which holds now; a person bound on one platform is
// told they are reached there only.
func (w *where) ask(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	r, err := w.st.ReachOf(ctx, c.UserID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if !r.Both() {
		return []dialog.Reply{{MessageID: onlyOne(r)}}, nil
	}
	var now string
	rows := make([][]dialog.Button, 0, len(whereChoices))
	for _, ch := range whereChoices {
		label := w.tr.T(c.Lang, ch.label, nil)
		if ch.where == r.Where {
			now = label
		}
		rows = append(rows, []dialog.Button{{Text: label, Data: WhereButton + ":" + ch.data}})
	}
	return []dialog.Reply{{MessageID: MsgWhereAsk, Data: map[string]any{"Now": now}, Buttons: rows}}, nil
}

// choose takes a choice pressed. The data proves nothing: a choice that is none of the
// three is a stale button, and the store gives the choice to people bound on both only.
func (w *where) choose(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	_, data, _ := strings.Cut(c.Data, ":")
	for _, ch := range whereChoices {
		if ch.data != data {
			continue
		}
		err := w.st.SetWhere(ctx, c.UserID, ch.where)
		if errors.Is(err, store.ErrForbidden) {
			r, rerr := w.st.ReachOf(ctx, c.UserID)
			if rerr != nil && !errors.Is(rerr, store.ErrNotFound) {
				return nil, rerr
			}
			return []dialog.Reply{{MessageID: onlyOne(r), Edit: true}}, nil
		}
		if err != nil {
			return nil, err
		}
		return []dialog.Reply{{MessageID: ch.set, Edit: true}}, nil
	}
	return []dialog.Reply{{MessageID: dialog.MsgStaleButton}}, nil
}

// onlyOne is what a person with no choice is told: where they are reached, or that they
// have not joined.
func onlyOne(r store.Reach) string {
	switch {
	case r.Telegram:
		return MsgWhereOnlyTelegram
	case r.WeCom:
		return MsgWhereOnlyWeCom
	}
	return MsgWhereNotJoined
}
