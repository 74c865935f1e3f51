package bot

import (
	"context"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
)

// IncomingLimit is what one person may send the bot: a burst (an album of photos arrives as
// one update a photo), then a steady few a second. Updates beyond it are dropped, counted, and
// answered with one "slow down" notice a minute, so that a flood from one account costs the
// bot little and delays no one else. Zero fields take defaults.
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

// noticeEvery is how often a flooding person is told to slow down.
const noticeEvery = time.Minute

// incomingLimiter keeps IncomingLimit per person with GCRA counters in Redis, shared by every
// replica.
type incomingLimiter struct {
	rdb    redis.UniversalClient
	rl     *redis_rate.Limiter
	prefix string
	lim    redis_rate.Limit
}

func newIncomingLimiter(rdb redis.UniversalClient, prefix string, botID int64, l IncomingLimit) *incomingLimiter {
	return &incomingLimiter{rdb: rdb, rl: redis_rate.NewLimiter(rdb), prefix: prefix + "tg:" + strconv.FormatInt(botID, 10) + ":in:",
		lim: redis_rate.Limit{Rate: l.PerSecond, Burst: l.Burst, Period: time.Second}}
}

// allow takes one update of person; notify is set for the first update dropped in a while,
// which gets the notice.
func (l *incomingLimiter) allow(ctx context.Context, person int64) (ok, notify bool, err error) {
	res, err := l.rl.Allow(ctx, l.prefix+strconv.FormatInt(person, 10), l.lim)
	if err != nil {
		return true, false, err
	}
	if res.Allowed > 0 {
		return true, false, nil
	}
	notify, err = l.rdb.SetNX(ctx, l.prefix+"told:"+strconv.FormatInt(person, 10), 1, noticeEvery).Result()
	return false, notify, err
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

// admit says whether an update is taken, keeping each person within IncomingLimit. With Redis
// down every update is taken: the engine then tells the person to try again.
func (b *Bot) admit(upd *models.Update) bool {
	person, lang := sender(upd)
	if person == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(b.base, limitCallTimeout)
	defer cancel()
	ok, notify, err := b.incoming.allow(ctx, person)
	if err != nil {
		b.log.Warn("incoming limit unavailable", "error", err)
	}
	if ok {
		return true
	}
	b.metrics.dropped.WithLabelValues("flood").Inc()
	if notify {
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
	return false
}
