package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"
	"github.com/riverqueue/river"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// notificationWorker delivers the notifications the store enqueued with the changes that
// caused them. It renders each in its recipient's language at send time, made to fit one
// message: a notice whose parts are each within their limits may still be too long as a
// whole (a reason and a description), and Telegram would refuse it for good.
type notificationWorker struct {
	river.WorkerDefaults[store.Notification]
	sender    *Sender
	st        *store.Store
	tr        *dialog.Translator
	retryBase time.Duration
	// answering tells whether a chat's person is being answered (dialog.Engine's
	// Answering).
	answering func(ctx context.Context, chat int64) (bool, error)
	log       *slog.Logger
	// rdb and donePrefix keep, for a while, which notifications are done: the job queue
	// records a job's end a little after it, and the next notification to the chat need not
	// wait for that.
	rdb        redis.UniversalClient
	donePrefix string
}

// doneFor is how long a done notification is remembered as done.
const doneFor = time.Hour

// A notification whose turn in its chat has not come looks again every orderPoll, for up to
// orderHold, and then gives its worker up for orderWait (snoozed); orderPatience is how long
// after it was enqueued it keeps its place at all: a chat whose answer cannot be sent for
// that long (Telegram failing) gets it anyway.
const (
	orderPoll     = 40 * time.Millisecond
	orderHold     = time.Second
	orderWait     = 150 * time.Millisecond
	orderPatience = 30 * time.Second
)

func (w *notificationWorker) Work(ctx context.Context, job *river.Job[store.Notification]) error {
	n := job.Args
	if time.Since(job.CreatedAt) < orderPatience {
		if err := w.awaitTurn(ctx, job.ID, n.ChatID); err != nil {
			return err
		}
	}
	lang := n.Lang
	if !dialog.IsLanguage(lang) {
		lang = w.tr.Match("")
	}
	out := dialog.Output{ChatID: n.ChatID, Text: w.tr.Fit(lang, n.MessageID, n.Data, dialog.MaxText)}
	if len(n.Files) > 0 {
		out = w.filesOutput(n, lang)
	}
	if n.Evidence != nil {
		// What the case holds besides words, summed up under the message.
		if line := conversations.EvidenceLine(w.tr, lang, *n.Evidence); line != "" {
			out.Text = w.tr.Fit(lang, n.MessageID, n.Data, dialog.MaxText-intake.Len(line)-1) + "\n" + line
		}
	}
	for _, row := range n.Buttons {
		var r []dialog.Button
		for _, b := range row {
			r = append(r, dialog.Button{Text: w.tr.T(lang, b.MessageID, n.Data), Data: b.Data})
		}
		out.Buttons = append(out.Buttons, r)
	}
	if ticket, _ := n.Data["TicketNo"].(string); n.ButtonsFor != 0 && ticket != "" {
		// The case's buttons as its person may press them now, as its view would give them.
		rows, err := conversations.CaseButtons(ctx, w.st, w.tr, n.ButtonsFor, ticket, lang)
		if err != nil {
			w.log.WarnContext(ctx, "a notice goes with its plain buttons: the case cannot be read", "case", ticket, "error", err)
		} else {
			out.Buttons = rows
		}
	}
	out = dialog.FitOutput(out)
	msg, err := w.sender.Notify(ctx, out)
	if err == nil && n.CaseID != 0 && len(out.Buttons) > 0 && msg != 0 {
		// Its buttons are retired when the case moves on (another platform's notice by what
		// that platform can do: a WeCom card is shown done). Not kept, they stay (a press is
		// still checked on the server); sending the notice again would be worse.
		if rerr := w.st.RecordCaseMessage(ctx, store.CaseMessage{CaseID: n.CaseID, ChatID: n.ChatID, MessageID: msg,
			Lang: lang, Text: out.Text, Buttons: messageButtons(out.Buttons), SentAt: time.Now()}); rerr != nil {
			w.log.WarnContext(ctx, "a notice's buttons will not be retired", "chat", n.ChatID, "error", rerr)
		}
	}
	if merr := markBlocked(ctx, w.st, n.ChatID, err); merr != nil {
		return merr
	}
	outcome := deliveryOutcome(err)
	var cancelled *river.JobCancelError
	if outcome == nil || errors.As(outcome, &cancelled) {
		// Sent, or given up: the chat's next notification may go.
		w.markDone(ctx, job.ID)
	}
	return outcome
}

// filesOutput is a notification of files: its photos as one album, or its document, with
// the message as the caption.
func (w *notificationWorker) filesOutput(n store.Notification, lang string) dialog.Output {
	out := dialog.Output{ChatID: n.ChatID, Text: w.tr.Fit(lang, n.MessageID, n.Data, dialog.MaxCaption)}
	for _, f := range n.Files[:min(len(n.Files), dialog.MaxAlbum)] {
		out.Media = append(out.Media, dialog.Media{FileID: f.FileID, Photo: f.Kind == "photo", Name: f.Name})
	}
	return out
}

// markDone remembers that a notification is done with. A failure only makes the next
// notification to the chat wait for the job queue to record it.
func (w *notificationWorker) markDone(ctx context.Context, job int64) {
	if w.rdb == nil {
		return
	}
	if err := w.rdb.Set(ctx, w.donePrefix+strconv.FormatInt(job, 10), 1, doneFor).Err(); err != nil {
		w.log.DebugContext(ctx, "notification not marked done", "job", job, "error", err)
	}
}

// awaitTurn returns once the notification's turn in its chat has come, or a snooze when it
// has not come within orderHold: the one before it is being sent (a few tens of
// milliseconds), or put off.
func (w *notificationWorker) awaitTurn(ctx context.Context, job, chat int64) error {
	return pollTurn(ctx, func() (bool, error) { return w.mustWait(ctx, job, chat) })
}

// pollTurn asks wait every orderPoll until it says no, and returns nil then (or wait's
// error); when it still says yes after orderHold, it returns a snooze, so that the job gives
// its worker up for orderWait.
func pollTurn(ctx context.Context, wait func() (bool, error)) error {
	deadline := time.Now().Add(orderHold)
	for {
		yes, err := wait()
		if err != nil || !yes {
			return err
		}
		if time.Now().After(deadline) {
			return river.JobSnooze(orderWait)
		}
		if err := sleep(ctx, orderPoll); err != nil {
			return err
		}
	}
}

// mustWait tells whether a notification should wait for its turn in the chat: behind one
// enqueued before it for the same chat, and behind the answer to what the chat's person is
// doing now (which may be what caused it: their confirm assigned a case, and the cadre signed
// for it at once). Without Redis the answer cannot be seen, and the notification goes.
func (w *notificationWorker) mustWait(ctx context.Context, job, chat int64) (bool, error) {
	earlier, err := w.st.EarlierNotificationsWaiting(ctx, job, chat)
	if err != nil {
		return false, err
	}
	if len(earlier) > 0 {
		if w.rdb == nil {
			return true, nil
		}
		keys := make([]string, len(earlier))
		for i, id := range earlier {
			keys[i] = w.donePrefix + strconv.FormatInt(id, 10)
		}
		done, err := w.rdb.Exists(ctx, keys...).Result()
		if err != nil || done < int64(len(earlier)) {
			return true, nil
		}
	}
	if w.answering == nil {
		return false, nil
	}
	busy, err := w.answering(ctx, chat)
	if err != nil {
		w.log.WarnContext(ctx, "cannot tell whether a chat is being answered; the notification goes", "chat", chat, "error", err)
		return false, nil
	}
	return busy, nil
}

// deliveryOutcome tells the job queue what a send's error means. A 429 is Telegram asking us
// to wait: the job is snoozed for exactly retry_after, which does not use up an attempt. A
// 400 will never succeed, and a 403 means the person blocked the bot: retrying would only
// repeat the error, so the job is cancelled (and stays visible). Anything else (5xx, network)
// is retried with backoff.
func deliveryOutcome(err error) error {
	if err == nil {
		return nil
	}
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		return river.JobSnooze(time.Duration(max(tooMany.RetryAfter, 1)) * time.Second)
	}
	var later *laterError
	if errors.As(err, &later) {
		return river.JobSnooze(later.wait)
	}
	if errors.Is(err, tgbot.ErrorBadRequest) || errors.Is(err, tgbot.ErrorForbidden) || errors.Is(err, tgbot.ErrorNotFound) || errors.Is(err, errNoTelegram) {
		return river.JobCancel(err)
	}
	return err
}

// NextRetry backs off from retryBase.
func (w *notificationWorker) NextRetry(job *river.Job[store.Notification]) time.Time {
	return backoff(w.retryBase, job.Attempt)
}

// backoff is when a job that failed its attempt-th run goes again: exponentially from base
// (doubling each attempt, at most ten minutes, with jitter so that many jobs failed by one
// outage do not return together).
func backoff(base time.Duration, attempt int) time.Time {
	d := base << min(attempt-1, 16)
	d = min(d, 10*time.Minute)
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	return time.Now().Add(d)
}

// menuWorker sets a person's chat command menu to what their roles allow now, when a change
// of their roles enqueued it (an import, an invite, a first report). The commands are the
// dialogs' own (conversations.Commands), as /help lists them, described in the language the
// person's messages are written in. The menu goes through the sender as the menu set in
// answer to a chat's own update does: it is not a message, so it takes no place under the
// limits of messages, and a 429 snoozes the job for retry_after.
type menuWorker struct {
	river.WorkerDefaults[store.MenuRefresh]
	sender    *Sender
	st        *store.Store
	tr        *dialog.Translator
	retryBase time.Duration
}

func (w *menuWorker) Work(ctx context.Context, job *river.Job[store.MenuRefresh]) error {
	a, chat, err := w.st.ActorByPerson(ctx, job.Args.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // no such person any more: no menu to set
	}
	if err != nil {
		return fmt.Errorf("menu of person %d: %w", job.Args.PersonID, err)
	}
	if chat == 0 {
		return nil // not joined: joining sets the menu
	}
	lang := w.tr.Match("")
	if a.Lang != nil && dialog.IsLanguage(*a.Lang) {
		lang = *a.Lang
	}
	out := dialog.Output{ChatID: chat, Menu: w.tr.Menu(lang, conversations.Commands(a))}
	_, err = w.sender.Notify(ctx, out)
	return deliveryOutcome(err)
}

// NextRetry backs off from retryBase.
func (w *menuWorker) NextRetry(job *river.Job[store.MenuRefresh]) time.Time {
	return backoff(w.retryBase, job.Attempt)
}

// bulletinWorker sends an office member the weekly bulletin of their office's region: it
// gathers and draws it when it sends, in the member's language, as /report week shows it
// (its text, then its two charts). Each message sent is recorded, so that a send put off
// (the chat's turn has not come between the three) or tried again after a failure goes on
// from the next message rather than repeating the first.
type bulletinWorker struct {
	river.WorkerDefaults[store.BulletinJob]
	sender    *Sender
	st        *store.Store
	tr        *dialog.Translator
	retryBase time.Duration
}

func (w *bulletinWorker) Work(ctx context.Context, job *river.Job[store.BulletinJob]) error {
	j := job.Args
	week, err := time.ParseInLocation(time.DateOnly, j.Week, w.st.Location())
	if err != nil {
		return river.JobCancel(fmt.Errorf("bulletin of week %q: %w", j.Week, err))
	}
	done, err := w.st.ReportPartsSent(ctx, store.ReportWeek, j.PersonID, week)
	if err != nil {
		return err
	}
	lang := reportLang(w.tr, j.Lang)
	b, err := w.st.Bulletin(ctx, store.BulletinParams{RegionID: j.RegionID, Week: week})
	if err != nil {
		return err
	}
	replies, err := conversations.BulletinReplies(w.tr, lang, b)
	if err != nil {
		return err
	}
	for i := done; i < len(replies); i++ {
		if err := sendReport(ctx, w.sender, w.st, w.tr, lang, j.ChatID, replies[i]); err != nil {
			return err
		}
		if err := w.st.ReportPartSent(ctx, store.ReportWeek, j.PersonID, week, i+1); err != nil {
			return err
		}
	}
	return nil
}

// reportLang is the language a report is sent in: the person's, or the bot's own.
func reportLang(tr *dialog.Translator, lang string) string {
	if !dialog.IsLanguage(lang) {
		return tr.Match("")
	}
	return lang
}

// sendReport sends one message of a report (a text, a chart, a workbook) to a chat, made to
// fit; a chat that blocked the bot is marked unreachable.
func sendReport(ctx context.Context, sender *Sender, st *store.Store, tr *dialog.Translator, lang string, chat int64, r dialog.Reply) error {
	limit := dialog.MaxText
	if r.Photo != nil || r.Document != nil {
		limit = dialog.MaxCaption
	}
	out := dialog.FitOutput(dialog.Output{ChatID: chat, Text: tr.Fit(lang, r.MessageID, r.Data, limit), Photo: r.Photo, Document: r.Document})
	if _, err := sender.Notify(ctx, out); err != nil {
		if merr := markBlocked(ctx, st, chat, err); merr != nil {
			return merr
		}
		return deliveryOutcome(err)
	}
	return nil
}

// markBlocked marks a chat unreachable when a send to it failed because the person blocked
// the bot, for their office to see.
func markBlocked(ctx context.Context, st *store.Store, chat int64, sendErr error) error {
	if !errors.Is(sendErr, tgbot.ErrorForbidden) {
		return nil
	}
	return st.SetReachable(ctx, chat, false)
}

// NextRetry backs off from retryBase.
func (w *bulletinWorker) NextRetry(job *river.Job[store.BulletinJob]) time.Time {
	return backoff(w.retryBase, job.Attempt)
}

// monthlyWorker sends an office member the monthly report of their office's region, on the
// 1st of the month or when they ask: the workbook, made when it sends in the member's
// language, as one document. The report of the 1st is recorded once sent, so that a job
// run again sends it no more.
type monthlyWorker struct {
	river.WorkerDefaults[store.MonthlyReportJob]
	sender    *Sender
	st        *store.Store
	tr        *dialog.Translator
	retryBase time.Duration
	// maxDocument is the most a workbook sent may weigh (0: conversations.MaxDocument).
	maxDocument int
}

func (w *monthlyWorker) Work(ctx context.Context, job *river.Job[store.MonthlyReportJob]) error {
	j := job.Args
	month, err := time.ParseInLocation(time.DateOnly, j.Month, w.st.Location())
	if err != nil {
		return river.JobCancel(fmt.Errorf("monthly report of %q: %w", j.Month, err))
	}
	if !j.Asked {
		done, err := w.st.ReportPartsSent(ctx, store.ReportMonth, j.PersonID, month)
		if err != nil || done > 0 {
			return err
		}
	}
	lang := reportLang(w.tr, j.Lang)
	r, err := conversations.MonthlyReport(ctx, w.tr, lang, w.st, j.RegionID, month, w.maxDocument)
	if err != nil {
		return err
	}
	if err := sendReport(ctx, w.sender, w.st, w.tr, lang, j.ChatID, r); err != nil {
		return err
	}
	if j.Asked {
		return nil
	}
	return w.st.ReportPartSent(ctx, store.ReportMonth, j.PersonID, month, 1)
}

// NextRetry backs off from retryBase.
func (w *monthlyWorker) NextRetry(job *river.Job[store.MonthlyReportJob]) time.Time {
	return backoff(w.retryBase, job.Attempt)
}
