package wecom_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// A picture a WeCom member sends while filing is attached to the case by its media id; a
// picture the app sends (a chart, a poster) is uploaded as temporary media and sent as an
// image message.
func TestPicturesBothWays(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n-a-chart-")
	h := start(t, func(e *dialog.Engine) {
		if err := e.RegisterCommand("chart", func(context.Context, dialog.Call) ([]dialog.Reply, error) {
			return []dialog.Reply{{MessageID: dialog.MsgNothingToCancel, Photo: png}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	const owner = "yangfan"
	h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	h.say(t, owner, "/new", 1)
	h.choose(t, owner, "用电/用水/用气", 1)
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产", 1)
	contains(t, h.expect(t, owner, 1, func() (wecomtest.Delivery, error) { return h.sim.SendImage(owner, []byte("nameplate")) }), "1")
	h.choose(t, owner, "完成", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "普通", 1)
	no := ticketRe.FindString(dump(h.choose(t, owner, "✔ 确认提交", 1)))
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	files, err := h.store.CaseAttachments(context.Background(), c.ID)
	if err != nil || len(files) != 1 || files[0].Kind != "photo" || !bytes.Equal(h.sim.Media(strings.TrimPrefix(files[0].FileID, wecom.FilePrefix)), []byte("nameplate")) {
		t.Fatalf("attachments %+v %v", files, err)
	}

	n := h.sim.Calls("media/upload")
	got := h.say(t, owner, "/chart", 2)
	if h.sim.Calls("media/upload") != n+1 || got[0].Type != "image" || !bytes.Equal(h.sim.Media(got[0].MediaID), png) || got[1].Type != "text" {
		t.Fatalf("sent %s", dump(got))
	}
}

// A picture a member sends through WeCom is kept by the city like one sent through Telegram:
// the archive worker fetches it from WeCom (temporary media lasts three days) and stores it.
func TestAPictureSentThroughWeComIsArchived(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	dir, err := files.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h.startTelegram(t, "", func(o *bot.Options) { o.Files = dir })
	var pic bytes.Buffer
	if err := png.Encode(&pic, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	const owner = "yangfan"
	h.joinWeCom(t, owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	h.say(t, owner, "/new", 1)
	h.choose(t, owner, "用电/用水/用气", 1)
	h.say(t, owner, "厂区变压器容量不足，新生产线无法投产", 1)
	h.expect(t, owner, 1, func() (wecomtest.Delivery, error) { return h.sim.SendImage(owner, pic.Bytes()) })
	h.choose(t, owner, "完成", 1)
	h.choose(t, owner, "跳过", 1)
	h.choose(t, owner, "普通", 1)
	no := ticketRe.FindString(dump(h.choose(t, owner, "✔ 确认提交", 1)))
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := h.store.CaseAttachments(context.Background(), c.ID)
		if err != nil || len(got) != 1 {
			t.Fatalf("attachments %+v %v", got, err)
		}
		if got[0].ArchiveError != nil {
			t.Fatalf("not kept: %v", *got[0].ArchiveError)
		}
		if got[0].ArchivedAt != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not archived in 15 s: %+v", got[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h.sim.Calls("media/get") != 1 {
		t.Fatalf("media/get called %d times", h.sim.Calls("media/get"))
	}
}
