package bot

import (
	"errors"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// dispatcher runs each chat's updates on a goroutine of the chat's own, one at a time and in
// the order received, while different chats proceed in parallel: a slow or flooding chat
// delays only itself. A chat's goroutine ends when its queue is empty.
type dispatcher struct {
	handle func(upd *models.Update, queued time.Time, counted bool, reply *pressReply) error
	// perChat bounds the updates one chat may have waiting; more are refused at once.
	perChat int
	// slots bounds the updates waiting in all, holding back the poller (or the webhook
	// requests) rather than piling up updates in memory.
	slots chan struct{}
	// refused, when set, is told of each update refused for a full chat queue.
	refused func(*models.Update, error)

	mu     sync.Mutex
	chats  map[int64][]dispatched
	closed bool
	wg     sync.WaitGroup
}

type dispatched struct {
	upd     *models.Update
	at      time.Time // when it was queued
	counted bool      // counted under the incoming limit already
	reply   *pressReply
	done    chan error
}

// errChatBusy refuses an update of a chat that already has too many waiting.
var errChatBusy = errors.New("too many updates of this chat waiting")

// errStopping refuses an update that arrives after the stop.
var errStopping = errors.New("stopping")

func newDispatcher(perChat, total int, handle func(upd *models.Update, queued time.Time, counted bool, reply *pressReply) error) *dispatcher {
	return &dispatcher{handle: handle, perChat: perChat, slots: make(chan struct{}, total), chats: map[int64][]dispatched{}}
}

// submit queues upd on its chat; counted says it was counted under the incoming limit
// already, and reply, when not nil, takes the answer to the press upd is (see pressReply).
// It blocks while the dispatcher is full. The returned channel receives the result of
// handling upd (nil when it was handled to the end).
func (d *dispatcher) submit(upd *models.Update, counted bool, reply *pressReply) <-chan error {
	done := make(chan error, 1)
	chat := chatOf(upd)
	d.slots <- struct{}{}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		<-d.slots
		done <- errStopping
		return done
	case len(d.chats[chat]) >= d.perChat:
		<-d.slots
		done <- errChatBusy
		if d.refused != nil {
			d.refused(upd, errChatBusy)
		}
		return done
	}
	q, running := d.chats[chat]
	d.chats[chat] = append(q, dispatched{upd: upd, at: time.Now(), counted: counted, reply: reply, done: done})
	if !running {
		d.wg.Add(1)
		go d.run(chat)
	}
	return done
}

// run handles a chat's updates until its queue is empty. The update being handled stays at
// the head of the queue, so that the chat counts as running until it is done.
func (d *dispatcher) run(chat int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		j := d.chats[chat][0]
		d.mu.Unlock()
		j.done <- d.handle(j.upd, j.at, j.counted, j.reply)
		<-d.slots
		d.mu.Lock()
		q := d.chats[chat][1:]
		if len(q) == 0 {
			delete(d.chats, chat)
			d.mu.Unlock()
			return
		}
		d.chats[chat] = q
		d.mu.Unlock()
	}
}

// close lets every queued update finish, then returns; later submits are refused.
func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.wg.Wait()
}

// backedUp says whether chat has an update waiting behind the one being handled: one more
// would wait behind two or more, as only a flood does (a person answering at once finds at
// most their previous update finishing).
func (d *dispatcher) backedUp(chat int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.chats[chat]) > 1
}

// waiting is how many updates are queued or being handled.
func (d *dispatcher) waiting() int { return len(d.slots) }

func chatOf(upd *models.Update) int64 {
	switch {
	case upd.Message != nil:
		return upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		if m := upd.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := upd.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return upd.CallbackQuery.From.ID
	case upd.EditedMessage != nil:
		return upd.EditedMessage.Chat.ID
	case upd.MyChatMember != nil:
		return upd.MyChatMember.Chat.ID
	}
	return 0
}
