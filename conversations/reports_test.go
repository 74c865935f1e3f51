package conversations_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// A bulletin with more named cases, units under the floor and sub-regions than anyone would
// read, each with a name longer than any unit has, is still one message of whole lines that
// ends by counting the rest, and two charts whose captions fit a photo, in each language.
func TestABusyBulletinFitsTelegram(t *testing.T) {
	t.Parallel()
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, loc)
	long := strings.Repeat("云岭县经济开发区管理委员会招商服务中心", 6)
	b := store.Bulletin{Region: long, NamedAfterDays: 5, Floor: 85,
		This: store.Figures{From: monday, To: monday.AddDate(0, 0, 7), Found: 900, Feedbacks: 40, Satisfied: 31},
		Last: store.Figures{From: monday.AddDate(0, 0, -7), To: monday, Found: 1000}}
	for i := range 8 {
		b.Trend = append(b.Trend, store.WeekCount{Monday: monday.AddDate(0, 0, 7*(i-7)), Found: 100 * i, Resolved: 90 * i})
	}
	for i := range 300 {
		b.Named = append(b.Named, store.NamedCase{TicketNo: fmt.Sprintf("XC-20261102-%04d", i), Unit: long, Handler: long, ResolveDue: monday})
		b.BelowFloor = append(b.BelowFloor, store.FigureRow{Key: fmt.Sprint(i), Name: long, Feedbacks: 10, Satisfied: 5})
		b.This.ByCategory = append(b.This.ByCategory, store.FigureRow{Key: fmt.Sprint(i), Name: long, NameEn: long, Found: 3})
		b.This.BySubRegion = append(b.This.BySubRegion, store.FigureRow{Key: fmt.Sprint(i), Name: long, NameEn: long, Found: 3, OpenInProgress: 2})
	}
	for _, lang := range dialog.Languages {
		replies, err := conversations.BulletinReplies(tr, lang, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) != 3 || replies[0].Photo != nil || replies[1].Photo == nil || replies[2].Photo == nil {
			t.Fatalf("%s: %d replies", lang, len(replies))
		}
		text := tr.T(lang, replies[0].MessageID, replies[0].Data)
		if n := intake.Len(text); n > dialog.MaxText {
			t.Errorf("%s: the bulletin is %d units long", lang, n)
		}
		if !strings.Contains(text, "XC-20261102-0000") || !strings.Contains(text, "275") {
			t.Errorf("%s: the named list neither starts nor counts the rest: %s", lang, text)
		}
		for _, r := range replies[1:] {
			if n := intake.Len(tr.T(lang, r.MessageID, r.Data)); n > dialog.MaxCaption {
				t.Errorf("%s: a chart's caption is %d units long", lang, n)
			}
		}
	}
}
