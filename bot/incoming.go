package bot

import (
	"context"
	"errors"

	"github.com/go-telegram/bot/models"

	"github.com/bangban/bangban/conversations/dialog"
)

// IncomingLimit is what one person may send the bot in a chat: a burst (an album of photos
// arrives as one update a photo), then a steady few a second. Updates beyond it are dropped,
// counted, and answered with one "slow down" notice a minute, so that a flood from one
// account costs the bot little and delays no one else. Zero fields take defaults.
type IncomingLimit struct {
	// Burst is how many updates a person may send at once. Default 20.
	Burst int
	// PerSecond is the steady rate after the burst. Default 3.
	PerSecond int
}

func (l IncomingLimit) withDefaults() IncomingLimit {
	if l.Burst <= 0 {
		l.Burst = 20
	}
	if l.PerSecond <= 0 {
		l.PerSecond = 3
	}
	return l
}

func (l IncomingLimit) flood() dialog.FloodLimit {
	l = l.withDefaults()
	return dialog.FloodLimit{Burst: l.Burst, PerSecond: l.PerSecond}
}

// sender is who sent an update, and in what language; 0 when no one in particular.
func sender(upd *models.Update) (id int64, lang string) {
	switch {
	case upd.Message != nil && upd.Message.From != nil:
		return upd.Message.From.ID, upd.Message.From.LanguageCode
	case upd.CallbackQuery != nil:
		return upd.CallbackQuery.From.ID, upd.CallbackQuery.From.LanguageCode
	}
	return 0, ""
}

// admit says whether an update is taken, keeping each person within IncomingLimit in each
// chat. An update is counted by the engine in the round trip that takes it, unless its chat
// is backed up (a flood): then it is counted here, before it waits, so that a flood is
// dropped at once and fills no queue. counted says it was. With Redis down every update is
// taken: the engine then tells the person to try again.
func (b *Bot) admit(upd *models.Update, lanes *dispatcher) (ok, counted bool) {
	person, _ := sender(upd)
	chat := chatOf(upd)
	if person == 0 || !lanes.backedUp(chat) {
		return true, false
	}
	ctx, cancel := context.WithTimeout(b.base, limitCallTimeout)
	defer cancel()
	err := b.opts.Engine.CountFlood(ctx, chat, person, b.opts.Incoming.flood())
	var flood *dialog.FloodError
	switch {
	case errors.As(err, &flood):
		b.flooded(upd, flood.Tell)
		return false, true
	case err != nil:
		b.log.Warn("incoming limit unavailable", "error", err)
		return true, false
	}
	return true, true
}

// flooded counts an update dropped as a flood and, when tell is set, tells its sender to slow
// down.
func (b *Bot) flooded(upd *models.Update, tell bool) {
	b.metrics.dropped.WithLabelValues("flood").Inc()
	if !tell {
		return
	}
	person, lang := sender(upd)
	b.log.Warn("updates from one person dropped as a flood", "user", person, "chat", chatOf(upd))
	tr := b.opts.Engine.Translator()
	text := tr.T(tr.Match(lang), dialog.MsgSlowDown, nil)
	out := dialog.Output{ChatID: chatOf(upd), Text: text}
	if q := upd.CallbackQuery; q != nil {
		out = dialog.Output{CallbackID: q.ID, Notice: text}
	}
	// Not on the poller's time: intake goes on while the notice is sent.
	go func() {
		ctx, cancel := context.WithTimeout(b.base, updateTimeout)
		defer cancel()
		if _, err := b.sender.Send(ctx, out); err != nil {
			b.log.Warn("slow-down notice", "error", err)
		}
	}()
}
