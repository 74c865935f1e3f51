package dialog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deliver sends the outputs of one applied update, in order. It returns, for each output that
// went out, the id the platform gave the message it sent or edited (0 for none, or when it is
// not known): as many ids as outputs went out, an output refused for good counting as gone.
// When it fails, the outputs not sent are kept and sent again when the update is delivered
// again.
type Deliver func(ctx context.Context, outs []Output) (ids []int64, err error)

// ErrUnfinished says an update was taken but could not be seen through in time (Redis
// stopped answering, or the chat's holder had not let go). The person was not told it
// failed: it waits where a redelivery of the update, or the chat's next update, resumes it.
var ErrUnfinished = errors.New("update not finished")

// ErrUndelivered says an update was applied but not all of its outputs could be sent; a
// redelivery of the update sends the rest.
var ErrUndelivered = errors.New("outputs not delivered")

// Handle applies one input and returns what was shown: Process with a Deliver that keeps the
// outputs. For tests and tools that render outputs themselves: it knows no message ids, so no
// prompt is remembered to have its buttons taken off when it is answered by typing.
func (e *Engine) Handle(ctx context.Context, in Input) ([]Output, error) {
	var mu sync.Mutex
	var outs []Output
	err := e.Process(ctx, in, func(_ context.Context, o []Output) ([]int64, error) {
		mu.Lock()
		defer mu.Unlock()
		outs = append(outs, o...)
		return make([]int64, len(o)), nil
	})
	return outs, err
}

// Process applies one input and delivers what it answers. Outputs of other updates of the
// same chat that were waiting while this process held the chat are delivered too (each
// output names its chat). An update already applied delivers nothing, unless its outputs
// were never confirmed sent: those are sent now. An update that finds its chat held waits for
// the holder to apply it, or for the holder's lease to run out, and then takes the chat over.
//
// When the first round trip to Redis fails, the person is told to try again, and the update
// is withdrawn: it is never applied later. Once the update is taken, a failing Redis is
// retried for as long as ctx lasts; then ErrUnfinished is returned and the update waits, taken
// but not applied, for a redelivery.
func (e *Engine) Process(ctx context.Context, in Input, deliver Deliver) error {
	return e.ProcessWithin(ctx, in, deliver, Limits{})
}

// Limits are what a platform keeps the updates it hands the engine within. The zero value
// keeps none.
type Limits struct {
	// Flood is what one person may send a chat.
	Flood FloodLimit
	// Pacer, when set, takes the place of an update's first reply under the platform's send
	// limits in the round trip that commits the update.
	Pacer Pacer
}

// Pacer takes the places of an update's replies under the platform's send limits in the
// round trip that commits the update, sparing the deliverer round trips of its own.
type Pacer interface {
	// Reserve adds to pipe the taking of the places of outs to chat that the limits count
	// (the first few, or nothing, when none is). The function it returns, when not nil, is
	// called once the pipeline ran, with the context the outputs are then delivered with,
	// and returns that context carrying what the deliverer needs to know of the places taken.
	Reserve(ctx context.Context, pipe redis.Pipeliner, chat int64, outs []Output) func(context.Context) context.Context
}

// FloodLimit is what one person may send a chat: a burst (an album of photos arrives as one
// update a photo), then a steady few a second. The zero value sets no limit.
type FloodLimit struct {
	// Burst is how many updates may come at once.
	Burst int
	// PerSecond is the steady rate after the burst.
	PerSecond int
}

// floodNoticeEvery is how often a flooding person is told to slow down.
const floodNoticeEvery = time.Minute

// FloodError is what ProcessWithin returns for an update beyond the sender's FloodLimit: the
// update was not taken, and nothing of it is kept. Tell is set for the first one in a while,
// whose sender is to be told to slow down.
type FloodError struct{ Tell bool }

func (e *FloodError) Error() string { return "update beyond the sender's flood limit" }

// ProcessWithin is Process keeping the update within lim: each sender within lim.Flood in
// each chat, counted in the same round trip that takes the update, across every process
// sharing the Redis; and the replies paced by lim.Pacer.
func (e *Engine) ProcessWithin(ctx context.Context, in Input, deliver Deliver, lim Limits) error {
	flood := lim.Flood
	if in.UpdateID <= 0 || in.ChatID == 0 {
		return fmt.Errorf("input without update or chat id: update %d, chat %d", in.UpdateID, in.ChatID)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode update %d: %w", in.UpdateID, err)
	}
	// The chat goes on the pending list first, so that if this process dies with the update
	// half done, a sweep finds it (Resume).
	score := pendingScore()
	h := &holding{e: e, k: e.keys(in.ChatID), token: newToken(), deliver: deliver, pacer: lim.Pacer, own: in.UpdateID,
		chat: in.ChatID, score: score}
	defer h.stop()
	s, err := e.offer(ctx, h.k, h.token, in, payload, score, time.Now().Add(e.callTimeout/2), flood)
	if err == nil && s.kind == "late" {
		err = errors.New("offered after its deadline")
	}
	if err == nil && s.kind == "flood" {
		e.settled(ctx, in.ChatID, score)
		return &FloodError{Tell: s.tell}
	}
	if err != nil {
		// The person is told to try again, so the update is withdrawn for good: should Redis
		// have run the offer after all, should an earlier delivery of the update have left it
		// in the chat's inbox (this is a redelivery, the first process lost Redis), or should
		// it be delivered again, it is not applied. Even an offer that never left (Redis
		// refused the connection) may be such a redelivery.
		go e.withdraw(h.k, h.token, in.UpdateID)
		_, _ = deliver(ctx, e.tryAgain(in))
		return fmt.Errorf("take update %d of chat %d: %w", in.UpdateID, in.ChatID, err)
	}
	backoff := newBackoff()
	held := false // this process holds the chat
	for {
		switch s.kind {
		case "dup", "done":
			if h.err == nil && !h.settled {
				e.settled(ctx, in.ChatID, score)
			}
			return h.err
		case "redo":
			h.redo(ctx, s)
			if h.err == nil {
				e.settled(ctx, in.ChatID, score)
			}
			return h.err
		case "queued", "busy", "lost":
			// Another process holds the chat, or is sending this update's outputs; or this one
			// lost its lease. Offer the update again until it is applied or the chat is free.
			held = false
			if s.kind == "lost" {
				// A new token, so that a commit of the lost hold that Redis runs late is
				// refused rather than taken for one of the new hold.
				h.setToken(newToken())
			}
			if err := backoff.wait(ctx); err != nil {
				return h.unfinished(in, err)
			}
			s, err = e.begin(ctx, h.k, h.tok(), in, payload, time.Time{}, FloodLimit{})
		case "wait", "go":
			backoff = newBackoff()
			held = true
			s, err = h.drain(ctx, s)
		default:
			return fmt.Errorf("chat %d: unexpected script reply %q", in.ChatID, s.kind)
		}
		for err != nil {
			e.log.WarnContext(ctx, "chat queue unavailable, trying again", "chat", in.ChatID, "update_id", in.UpdateID, "error", err)
			if werr := backoff.wait(ctx); werr != nil {
				return h.unfinished(in, err)
			}
			if held {
				// Holding the chat, this process goes on from where it was once Redis answers,
				// rather than offering the update again and waiting out its own lease.
				s, err = e.next(ctx, h.k, h.tok())
			} else {
				s, err = e.begin(ctx, h.k, h.tok(), in, payload, time.Time{}, FloodLimit{})
			}
		}
	}
}

// Resume finishes the work of chats left unfinished for longer than after: updates taken and
// not applied (their process died, or Redis stopped answering), and outputs applied but not
// confirmed sent. A long-polling process calls it every few seconds, since Telegram does not
// deliver again what a poller has confirmed. It returns how many chats it looked at.
func (e *Engine) Resume(ctx context.Context, after time.Duration, deliver Deliver) (int, error) {
	lctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	chats, err := e.rdb.ZRangeByScoreWithScores(lctx, e.pendingKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(pendingScoreAt(time.Now().Add(-after)), 10), Count: 100}).Result()
	cancel()
	if err != nil {
		return 0, fmt.Errorf("chats pending: %w", err)
	}
	for _, z := range chats {
		chat, err := strconv.ParseInt(fmt.Sprint(z.Member), 10, 64)
		if err != nil {
			continue
		}
		if err := e.resumeChat(ctx, chat, int64(z.Score), deliver); err != nil {
			e.log.WarnContext(ctx, "resume chat", "chat", chat, "error", err)
		}
	}
	return len(chats), nil
}

func (e *Engine) resumeChat(ctx context.Context, chat, score int64, deliver Deliver) error {
	h := &holding{e: e, k: e.keys(chat), token: newToken(), deliver: deliver}
	defer h.stop()
	for {
		s, err := e.resume(ctx, h.k, h.tok())
		if err != nil {
			return err
		}
		switch s.kind {
		case "redo":
			h.redo(ctx, s)
		case "idle":
			e.settled(ctx, chat, score)
			return nil
		case "busy":
			return nil // in someone's hands
		case "go", "wait", "done":
			e.log.InfoContext(ctx, "resuming a chat left unfinished", "chat", chat)
			end, err := h.drain(ctx, s)
			if err != nil {
				return err
			}
			if end.kind == "lost" {
				h.setToken(newToken())
			}
		default:
			return fmt.Errorf("unexpected script reply %q", s.kind)
		}
	}
}

// drain applies the updates waiting in a chat held by h, in order, until none is left or the
// lease is lost; it returns what ended it.
func (h *holding) drain(ctx context.Context, s step) (step, error) {
	var err error
	for {
		switch s.kind {
		case "wait":
			if err := sleep(ctx, s.wait); err != nil {
				return step{}, err
			}
			s, err = h.e.waited(ctx, h.k, h.tok(), s)
		case "go":
			h.renewing(ctx)
			s, err = h.apply(ctx, s)
		default:
			return s, nil
		}
		if err != nil {
			return step{}, err
		}
	}
}

// pendingScore orders the pending list by arrival, in microseconds with a random tail, so
// that two updates of a chat never share a score.
func pendingScore() int64 { return pendingScoreAt(time.Now()) + mathrand.Int64N(1000) }

func pendingScoreAt(t time.Time) int64 { return t.UnixMilli() * 1000 }

// offer puts the chat on the pending list and offers the update to it (begin), in one round
// trip: both are sent at once, the list first.
func (e *Engine) offer(ctx context.Context, k chatKeys, token string, in Input, payload []byte, score int64, deadline time.Time, flood FloodLimit) (step, error) {
	cctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	pipe := e.rdb.Pipeline()
	pipe.ZAdd(cctx, e.pendingKey(), redis.Z{Score: float64(score), Member: in.ChatID})
	begun := pipe.EvalSha(cctx, beginScript.Hash(), e.beginKeys(k, in), e.beginArgs(k, token, in, payload, deadline, flood)...)
	_, err := pipe.Exec(cctx)
	if err != nil && redis.HasErrorPrefix(begun.Err(), "NOSCRIPT") {
		// Redis does not know the script yet (it restarted, or this is its first use): the
		// two go one after the other, the script with its text.
		if err := e.markPending(ctx, in.ChatID, score); err != nil {
			return step{}, err
		}
		return e.begin(ctx, k, token, in, payload, deadline, flood)
	}
	if err != nil {
		return step{}, fmt.Errorf("offer update %d to chat %d: %w", in.UpdateID, in.ChatID, err)
	}
	return parseStep(begun.Val())
}

func (e *Engine) markPending(ctx context.Context, chat, score int64) error {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	if err := e.rdb.ZAdd(ctx, e.pendingKey(), redis.Z{Score: float64(score), Member: chat}).Err(); err != nil {
		return fmt.Errorf("mark chat %d pending: %w", chat, err)
	}
	return nil
}

// settled takes a chat off the pending list once its update is seen through, unless another
// arrived meanwhile. A failure only costs a sweep a look at the chat.
func (e *Engine) settled(ctx context.Context, chat, score int64) {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	if err := settledScript.Run(ctx, e.rdb, []string{e.pendingKey()}, chat, score).Err(); err != nil {
		e.log.DebugContext(ctx, "chat not taken off the pending list", "chat", chat, "error", err)
	}
}

// deliveredAndSettled is delivered, all sent, and settled, in one round trip.
func (e *Engine) deliveredAndSettled(ctx context.Context, k chatKeys, token, id, asked string, chat, score int64) error {
	cctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	pipe := e.rdb.Pipeline()
	d := pipe.EvalSha(cctx, deliveredScript.Hash(), []string{k.out}, e.deliveredArgs(k, token, id, nil, asked)...)
	st := pipe.EvalSha(cctx, settledScript.Hash(), []string{e.pendingKey()}, chat, score)
	_, err := pipe.Exec(cctx)
	if err != nil && (redis.HasErrorPrefix(d.Err(), "NOSCRIPT") || redis.HasErrorPrefix(st.Err(), "NOSCRIPT")) {
		// Redis does not know the scripts (yet): one after the other, with their text. Both
		// may run twice; neither minds.
		if err := e.delivered(ctx, k, token, id, nil, asked); err != nil {
			return err
		}
		e.settled(ctx, chat, score)
		return nil
	}
	return err
}

// withdraw gives up an update whose first round trip failed: the person was told to try
// again, so if Redis ran it after all, or an earlier delivery of it left it waiting, it is
// taken back. It keeps trying while Redis is away, for as long as a stalled Redis could still
// run the round trip.
func (e *Engine) withdraw(k chatKeys, token string, id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Not in anyone's way: during a long outage many of these wait, so they try seldom.
	b := &backoff{d: 100 * time.Millisecond, most: time.Second}
	for {
		res, err := e.giveUp(ctx, k, token, id)
		if err == nil {
			if res == "applied" {
				e.log.Warn("an update answered with try again had been applied already", "update_id", id)
			}
			return
		}
		if b.wait(ctx) != nil {
			e.log.Error("could not withdraw an update answered with try again", "update_id", id, "error", err)
			return
		}
	}
}

func (e *Engine) tryAgain(in Input) []Output {
	msg := e.tr.T(e.tr.Match(in.LangCode), MsgTryAgain, nil)
	if in.Kind == KindButton {
		return []Output{{CallbackID: in.CallbackID, Notice: msg}}
	}
	return []Output{{ChatID: in.ChatID, Text: msg}}
}

// holding is one process's hold on a chat while it applies updates.
type holding struct {
	e       *Engine
	k       chatKeys
	mu      sync.Mutex // token and sending, which the renewal reads
	token   string
	sending int64 // the update whose outputs are being sent
	deliver Deliver
	pacer   Pacer // may be nil
	own     int64 // the update this process was given
	// chat and score: the chat's place on the pending list, taken when the update was
	// offered (0 when resuming); settled is set once the chat is off it.
	chat, score int64
	settled     bool
	renew       context.CancelFunc
	done        chan struct{}
	err         error // the first delivery that failed
}

func (h *holding) tok() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.token
}

func (h *holding) setToken(t string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.token = t
}

// renewing keeps the lock's lease alive from now until stop.
func (h *holding) renewing(ctx context.Context) {
	if h.renew != nil {
		return
	}
	ctx, h.renew = context.WithCancel(context.WithoutCancel(ctx))
	h.done = make(chan struct{})
	go func() {
		defer close(h.done)
		t := time.NewTicker(h.e.lockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				h.mu.Lock()
				token, sending := h.token, h.sending
				h.mu.Unlock()
				if held, err := h.e.renew(ctx, h.k, token, sending); err != nil || !held {
					// The commit finds out and offers the update again.
					h.e.log.Debug("chat lease not renewed", "held", held, "error", err)
				}
			}
		}
	}()
}

func (h *holding) stop() {
	if h.renew != nil {
		h.renew()
		<-h.done
	}
}

func (h *holding) unfinished(in Input, cause error) error {
	return fmt.Errorf("update %d of chat %d: %w (%w)", in.UpdateID, in.ChatID, ErrUnfinished, cause)
}

// apply applies the update the scripts handed over, stores what it changed with its outputs,
// and sends them. It returns what the chat holds next.
func (h *holding) apply(ctx context.Context, s step) (step, error) {
	e := h.e
	var cur Input
	var ef effect
	var outs []Output
	if err := json.Unmarshal([]byte(s.payload), &cur); err != nil {
		// Only a corrupted inbox gets here: the entry is dropped, not retried forever.
		e.log.ErrorContext(ctx, "unreadable update in inbox", "id", s.id, "error", err)
		ef = effect{stateMode: "keep", markerMode: "keep"}
	} else {
		lang := s.lang
		if lang == "" && e.langOf != nil {
			lang = e.lookupLang(ctx, cur.UserID)
		}
		outs, ef = e.apply(ctx, cur, s.state, s.marker, lang, s.asked)
		if ef.lang == "" && lang != s.lang {
			ef.lang = lang // found where it is kept for good: the chat keeps it again
		}
		if len(outs) > 0 {
			var err error
			if ef.replies, err = json.Marshal(outs); err != nil {
				return step{}, fmt.Errorf("encode outputs of update %d: %w", cur.UpdateID, err)
			}
		}
	}
	backoff := newBackoff()
	for {
		c, sendCtx, err := e.commitPaced(ctx, h.k, h.tok(), s.id, cur.UserID, ef, h.pacer, outs)
		if err != nil {
			// The commit is the same however often it runs: try it again while Redis is away.
			e.log.WarnContext(ctx, "store update, trying again", "update_id", s.id, "error", err)
			if werr := backoff.wait(ctx); werr != nil {
				return step{}, err
			}
			continue
		}
		switch c.kind {
		case "redo":
			// Stored by an earlier attempt whose answer was lost, after the lease ran out.
			h.redo(ctx, c)
			return step{kind: "lost"}, nil
		case "lost", "dup", "busy":
			// The lease ran out before the commit: another process may have the chat now, and
			// what was computed here is not stored. The update is offered again.
			e.log.WarnContext(ctx, "chat lease lost while applying an update", "update_id", s.id)
			return step{kind: "lost"}, nil
		}
		if c.givenUp {
			e.log.WarnContext(ctx, "update given up while it was applied; outputs dropped", "update_id", s.id)
		} else if len(outs) > 0 {
			h.send(sendCtx, cur.UpdateID, outs, c.kind == "done")
		}
		return c, nil
	}
}

// redo sends the stored outputs of an applied update that were never confirmed sent.
func (h *holding) redo(ctx context.Context, s step) {
	id, _ := strconv.ParseInt(s.id, 10, 64)
	var outs []Output
	if err := json.Unmarshal([]byte(s.payload), &outs); err != nil {
		h.e.log.ErrorContext(ctx, "unreadable stored outputs dropped", "update_id", id, "error", err)
		_ = h.e.delivered(ctx, h.k, h.tok(), itoa(id), nil, "")
		return
	}
	h.e.log.InfoContext(ctx, "sending the outputs of an update applied earlier", "update_id", id, "outputs", len(outs))
	h.send(ctx, id, outs, false)
}

// send delivers an update's outputs and records how far it got. Its claim on them is renewed
// meanwhile, so that a slow Telegram does not make them look abandoned. last says the chat
// has nothing more waiting: when all went well, the chat leaves the pending list in the same
// round trip.
func (h *holding) send(ctx context.Context, id int64, outs []Output, last bool) {
	h.renewing(ctx)
	h.mu.Lock()
	h.sending = id
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.sending = 0
		h.mu.Unlock()
	}()
	ids, err := h.deliver(ctx, outs)
	n := min(len(ids), len(outs))
	var left []byte
	if err != nil && n < len(outs) {
		left, _ = json.Marshal(outs[n:])
		if id == h.own && h.err == nil {
			h.err = fmt.Errorf("update %d: %w: %w", id, ErrUndelivered, err)
		}
		h.e.log.ErrorContext(ctx, "outputs not delivered; kept for a redelivery", "update_id", id, "sent", n, "of", len(outs), "error", err)
	}
	// Outputs not confirmed sent are sent again by a redelivery, or the sweep, once the claim
	// on them runs out: the confirmation is tried again while Redis is away (a failover takes
	// seconds), like the commit, for as long as the update may take. Only then may they be
	// sent twice: better twice than never.
	asked := promptSent(outs, ids)
	settle := last && h.score != 0 && h.err == nil
	backoff := newBackoff()
	for {
		var derr error
		if settle {
			derr = h.e.deliveredAndSettled(ctx, h.k, h.tok(), itoa(id), asked, h.chat, h.score)
		} else {
			derr = h.e.delivered(ctx, h.k, h.tok(), itoa(id), left, asked)
		}
		if derr == nil {
			h.settled = settle
			return
		}
		if backoff.wait(ctx) != nil {
			h.e.log.WarnContext(ctx, "outputs sent but not confirmed; a redelivery may send them again", "update_id", id, "error", derr)
			return
		}
		h.e.log.WarnContext(ctx, "outputs sent but not confirmed, trying again", "update_id", id, "error", derr)
	}
}

// promptSent is what to remember of the dialog prompts among the outputs sent (ids holds the
// message of each output that went out): the latest one's dialog run and message,
// "instance|message id"; "-" when it went out as no message the platform named (refused, say),
// so that no earlier prompt is taken for it; "" when no prompt went out.
func promptSent(outs []Output, ids []int64) string {
	for i := min(len(ids), len(outs)) - 1; i >= 0; i-- {
		switch {
		case outs[i].Prompt == "":
		case ids[i] == 0:
			return "-"
		default:
			return outs[i].Prompt + "|" + itoa(ids[i])
		}
	}
	return ""
}

func (e *Engine) lookupLang(ctx context.Context, userID int64) string {
	lang, err := e.langOf(ctx, userID)
	if err != nil {
		e.log.WarnContext(ctx, "chosen language unavailable", "error", err)
		return ""
	}
	if !IsLanguage(lang) {
		return noLang
	}
	return lang
}

// backoff spaces the attempts of a retry: from 20 ms, doubling, up to half a second (or most).
type backoff struct{ d, most time.Duration }

func newBackoff() *backoff { return &backoff{d: 20 * time.Millisecond, most: 500 * time.Millisecond} }

func (b *backoff) wait(ctx context.Context) error {
	err := sleep(ctx, b.d)
	b.d = min(b.d*2, b.most)
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Answering tells whether an update of chat is being applied, or its answer is not yet
// confirmed sent: a notification to the chat should wait, so that it never arrives before
// the answer to what the person just did (which may have caused it).
func (e *Engine) Answering(ctx context.Context, chat int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, e.callTimeout)
	defer cancel()
	k := e.keys(chat)
	n, err := e.rdb.Exists(ctx, k.lock, k.out).Result()
	if err != nil {
		return false, fmt.Errorf("is chat %d being answered: %w", chat, err)
	}
	return n > 0, nil
}
