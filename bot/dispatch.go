package bot

import (
	"sync"

	"github.com/go-telegram/bot/models"
)

// dispatcher runs updates on a fixed set of lanes, one chat always on the same lane: updates
// of one chat are handled one at a time and in the order received, while different chats
// proceed in parallel.
type dispatcher struct {
	lanes  []chan dispatched
	handle func(*models.Update)
	wg     sync.WaitGroup
}

type dispatched struct {
	upd  *models.Update
	done chan struct{}
}

func newDispatcher(lanes int, handle func(*models.Update)) *dispatcher {
	d := &dispatcher{lanes: make([]chan dispatched, lanes), handle: handle}
	for i := range d.lanes {
		d.lanes[i] = make(chan dispatched, 64)
		d.wg.Add(1)
		go func(lane chan dispatched) {
			defer d.wg.Done()
			for j := range lane {
				d.handle(j.upd)
				if j.done != nil {
					close(j.done)
				}
			}
		}(d.lanes[i])
	}
	return d
}

// submit queues upd on its chat's lane. It blocks while that lane is full, which holds back
// the poller rather than piling up updates in memory. The returned channel closes when upd
// has been handled.
func (d *dispatcher) submit(upd *models.Update) <-chan struct{} {
	done := make(chan struct{})
	lane := d.lanes[uint64(chatOf(upd))%uint64(len(d.lanes))]
	lane <- dispatched{upd: upd, done: done}
	return done
}

// close lets every queued update finish, then returns. No submit may follow.
func (d *dispatcher) close() {
	for _, l := range d.lanes {
		close(l)
	}
	d.wg.Wait()
}

func chatOf(upd *models.Update) int64 {
	switch {
	case upd.Message != nil:
		return upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		if m := upd.CallbackQuery.Message.Message; m != nil {
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
