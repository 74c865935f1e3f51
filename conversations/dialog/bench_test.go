package dialog_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/conversations/dialog"
)

// roundTrips counts the commands and pipelines sent to Redis: each is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// BenchmarkDialogStep is one typed answer to an open dialog through the engine on the real
// Redis: take the chat, read the session and the message of its prompt, apply the step, store
// the session, mark the update, free the chat, remember the new prompt's message. The answer
// takes the buttons off the prompt it answered and asks again below.
func BenchmarkDialogStep(b *testing.B) {
	for _, window := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run("reorder="+window.String(), func(b *testing.B) {
			v := newEnvTB(b)
			rt := &roundTrips{}
			v.rdb.AddHook(rt)
			e := v.engine(b, dialog.Options{ReorderWindow: window})
			// A step that stays open and keeps one answer, so the session has the same size
			// at every step, as a real dialog's does.
			if err := e.Register(&dialog.Dialog{Name: "bench", Command: "bench", Version: 1,
				Steps: []*dialog.Step{{Name: "n", Prompt: "test.bench", MaxLen: 100,
					More: func(*dialog.Session) bool { return true }}},
				Done: func(context.Context, *dialog.Session) (dialog.Reply, error) {
					return dialog.Reply{}, nil
				},
			}); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			chat := int64(900000 + window.Milliseconds())
			// The chat's messages, numbered as Telegram numbers them.
			var msgs int64
			var out []dialog.Output
			deliver := func(_ context.Context, o []dialog.Output) ([]int64, error) {
				out = o
				ids := make([]int64, len(o))
				for i := range o {
					if o[i].EditMessageID != 0 {
						ids[i] = o[i].EditMessageID
					} else {
						msgs++
						ids[i] = msgs
					}
				}
				return ids, nil
			}
			in := dialog.Input{UpdateID: updateIDs.Add(1), ChatID: chat, UserID: chat, LangCode: "en",
				Kind: dialog.KindCommand, Command: "bench"}
			if err := e.Process(ctx, in, deliver); err != nil {
				b.Fatal(err)
			}
			in.Kind, in.Command = dialog.KindText, ""
			rt.n.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in.UpdateID = updateIDs.Add(1)
				in.Text = "answer " + strconv.Itoa(i%10)
				err := e.Process(ctx, in, deliver)
				if err != nil || len(out) != 2 || out[0].EditMessageID != msgs-1 || !out[0].ClearButtons {
					b.Fatalf("step %d: %+v, %v; want the prompt answered cleared, then the next", i, out, err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(rt.n.Load())/float64(b.N), "roundtrips/op")
		})
	}
}
