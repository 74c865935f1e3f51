package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// since are the messages of chat u from index n on, once there are at least k of them.
func (h *harness) since(t *testing.T, u telegramtest.User, n, k int) []telegramtest.Message {
	t.Helper()
	return h.sim.MustWaitMessages(t, u.ID, n+k)[n:]
}

// photoID is the file id the bot keeps of a photo update: its largest size.
func photoID(upd telegramtest.Update) string {
	p := upd.Message.Photo
	return p[len(p)-1].FileID
}

// Evidence travels with the case: an owner files with three photos, a PDF and a named place;
// the linked cadre's assignment says so and its button brings one album of the three, the
// document and the pin; a stranger's forged press learns nothing; an addition's photo reaches
// the cadre on its own button; the cadre's result photo reaches the owner before the
// question of whether it is solved.
func TestEvidenceReachesThoseWhoActOnIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9501, FirstName: "周总", LanguageCode: "zh-hans"}
	cadre := telegramtest.User{ID: 9502, FirstName: "李春梅", LanguageCode: "zh-hans"}
	stranger := telegramtest.User{ID: 9503, FirstName: "Wang", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.say(t, stranger, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}))
	h.join(t, cadre, "P001", store.RoleHandler)

	h.say(t, owner, "/new")
	h.press(t, owner, "用电/用水/用气")
	h.say(t, owner, "厂区 10kV 线路老化，每周停电两次，影响订单交付")
	var photos []string
	for i := 1; i <= 3; i++ {
		n := len(h.sim.Messages(owner.ID))
		photos = append(photos, photoID(h.sim.SendPhoto(owner, "")))
		h.next(t, owner, n, 1)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
	n := len(h.sim.Messages(owner.ID))
	docID := h.sim.SendDocument(owner, "停电记录.pdf", "application/pdf", pdf).Message.Document.FileID
	h.next(t, owner, n, 1)
	h.press(t, owner, "完成")
	m := h.send(t, owner, func() telegramtest.Update {
		return h.sim.SendVenue(owner, 34.7466, 113.6253, "云岭精密机械厂区", "青石镇工业路 8 号")
	}, 1)[0]
	contains(t, m, "紧急程度")
	m, _ = h.press(t, owner, "普通")
	contains(t, m, "位置：云岭精密机械厂区 青石镇工业路 8 号 (34.746600,113.625300)", "附件：4 个")
	nc := len(h.sim.Messages(cadre.ID))
	m, _ = h.press(t, owner, "✔ 确认提交")
	no := ticketRe.FindString(m.Text)
	if no == "" {
		t.Fatalf("no ticket in %q", m.Text)
	}

	// The assignment says what there is, and where.
	assigned := h.next(t, cadre, nc, 1)[0]
	contains(t, assigned, "新交办的问题", no, "📎 照片 3 张、文件 1 个", "📍 云岭精密机械厂区 青石镇工业路 8 号")
	if !hasButton(assigned, "📎 照片和文件") || !hasButton(assigned, "✍ 签收") {
		t.Fatalf("assignment buttons %+v", assigned.Buttons)
	}

	// One press: one album of the three photos, the document, the pin.
	nc = len(h.sim.Messages(cadre.ID))
	albums := len(h.sim.CallsTo("sendMediaGroup"))
	h.sim.PressButton(cadre, assigned, button(t, assigned, "📎 照片和文件"))
	got := h.since(t, cadre, nc, 5)
	if len(got) != 5 {
		t.Fatalf("the button brought %d messages, want 5: %+v", len(got), got)
	}
	if calls := h.sim.CallsTo("sendMediaGroup"); len(calls) != albums+1 {
		t.Fatalf("%d albums sent, want 1", len(calls)-albums)
	}
	var sentPhotos []string
	for _, g := range got[:3] {
		if g.MediaGroupID == "" || g.MediaGroupID != got[0].MediaGroupID {
			t.Fatalf("the photos are not one album: %+v", got[:3])
		}
		sentPhotos = append(sentPhotos, g.PhotoFileID)
	}
	if !slices.Equal(sentPhotos, photos) {
		t.Fatalf("album holds %v, want the owner's %v", sentPhotos, photos)
	}
	if !strings.Contains(got[0].Caption, no) {
		t.Fatalf("album caption %q", got[0].Caption)
	}
	if got[3].DocumentFileID != docID || !strings.Contains(got[3].Caption, "停电记录.pdf") {
		t.Fatalf("document sent as %+v, want %s", got[3], docID)
	}
	if l := got[4].Location; l == nil || l.Latitude != 34.7466 || l.Longitude != 113.6253 {
		t.Fatalf("pin %+v", got[4])
	}

	// The case view says the same and offers the same button.
	view := h.say(t, cadre, "/status "+no)
	contains(t, view, "📎 照片 3 张、文件 1 个", "📍 云岭精密机械厂区")
	if !hasButton(view, "📎 照片和文件") {
		t.Fatalf("view buttons %+v", view.Buttons)
	}

	// A stranger forging the button, on a message of their own, learns nothing.
	ns := len(h.sim.Messages(stranger.ID))
	own := h.say(t, stranger, "/help")
	ns++
	h.sim.PressButton(stranger, own, store.EvidenceButton+":"+no)
	refused := h.next(t, stranger, ns, 1)[0]
	contains(t, refused, "No problem with ticket number "+no+" was found")
	h.settled(t)
	for _, msg := range h.sim.Messages(stranger.ID) {
		if msg.PhotoFileID != "" || msg.DocumentFileID != "" || msg.Location != nil {
			t.Fatalf("the stranger received %+v", msg)
		}
	}

	// An addition's photo: the cadre is told how many, and its own button sends just it.
	m = h.say(t, owner, "/add "+no)
	h.say(t, owner, "今天上午又停电了三个小时")
	n = len(h.sim.Messages(owner.ID))
	added := photoID(h.sim.SendPhoto(owner, ""))
	h.next(t, owner, n, 1)
	h.press(t, owner, "完成")
	nc = len(h.sim.Messages(cadre.ID))
	h.press(t, owner, "✔ 确认提交")
	told := h.next(t, cadre, nc, 1)[0]
	contains(t, told, "补充了 "+no, "📎 照片 1 张")
	nc = len(h.sim.Messages(cadre.ID))
	h.sim.PressButton(cadre, told, button(t, told, "📎 照片和文件"))
	one := h.next(t, cadre, nc, 1)[0]
	h.settled(t)
	if one.PhotoFileID != added || len(h.sim.Messages(cadre.ID)) != nc+1 {
		t.Fatalf("the addition's button sent %+v (and %d messages), want photo %s alone", one, len(h.sim.Messages(cadre.ID))-nc, added)
	}

	// The cadre signs and resolves with a photo: the owner sees it before rating.
	h.tap(t, cadre, assigned, "✍ 签收", 1)
	h.settled(t) // the owner is told of the signature first
	m = h.say(t, cadre, "/resolve "+no)
	h.say(t, cadre, "已更换线路并加装稳压设备，连续一周未再停电。")
	n = len(h.sim.Messages(cadre.ID))
	proof := photoID(h.sim.SendPhoto(cadre, ""))
	h.next(t, cadre, n, 1)
	h.press(t, cadre, "完成")
	no0 := len(h.sim.Messages(owner.ID))
	h.press(t, cadre, "✔ 确认提交")
	seen := h.next(t, owner, no0, 2)
	if seen[0].PhotoFileID != proof || !strings.Contains(seen[0].Caption, no) {
		t.Fatalf("the owner's first message after the result is %+v, want the photo %s", seen[0], proof)
	}
	contains(t, seen[1], no, "已办结")
	if !hasButton(seen[1], "✅ 已解决") {
		t.Fatalf("the rating buttons are not on the result: %+v", seen[1])
	}
	if c, err := h.store.CaseByTicket(ctx, no); err != nil || c.Place != "云岭精密机械厂区 青石镇工业路 8 号" {
		t.Fatalf("place stored as %q (%v)", c.Place, err)
	}
}

// An office a case is escalated to is told what it holds, and its button brings the photo
// and the pin to the office's member.
func TestEscalatedCaseCarriesItsEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9511, FirstName: "Wu", LanguageCode: "en"}
	cityU := telegramtest.User{ID: 9512, FirstName: "Luo", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cityU, "P019", store.RoleOffice)
	n := len(h.sim.Messages(owner.ID))
	photo := photoID(h.sim.SendPhoto(owner, "")) // a photo the simulator knows, by its id
	h.next(t, owner, n, 1)
	a, err := h.store.ActorByAccount(ctx, owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	unit, region := storetest.UnitID(t, h.store, "E001")
	lat, lon := 34.75, 113.62
	c, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &a.PersonID, Route: true,
		Description: "The power line to the workshop trips every afternoon.", Latitude: &lat, Longitude: &lon,
		Attachments: []store.Attachment{{Kind: "photo", FileID: photo}}})
	if err != nil {
		t.Fatal(err)
	}
	h.settled(t)
	m := h.after(t, cityU, h.act(t, h.store.Escalate, c.TicketNo, h.personID(t, "P001"), "This level cannot settle it."))
	contains(t, m, c.TicketNo+" has been escalated to your office", "📎 1 photo", "📍 34.75000, 113.62000")
	nc := len(h.sim.Messages(cityU.ID))
	h.sim.PressButton(cityU, m, button(t, m, "📎 Photos and files"))
	got := h.next(t, cityU, nc, 2)
	if got[0].PhotoFileID != photo || got[1].Location == nil || got[1].Location.Latitude != lat {
		t.Fatalf("the office received %+v", got)
	}
}
