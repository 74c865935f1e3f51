package conversations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// /report week: the weekly bulletin (周通报) of an office's region (an admin's: the city's),
// for this week so far or the week of a date given ("/report week 2026-11-18"): the
// figures beside the week before's, the named list, the handling units under the
// satisfaction floor, the categories most found, and two charts. The same bulletin reaches
// each office member on Monday morning for the week just ended (BulletinReplies, which the
// bot's worker renders as this does).
//
// /report month [YYYY-MM]: the monthly report (月报告) of the same region, this month so far or
// the month given, as a workbook sent as a document (monthly.go).

// bulletinLists caps each list of the bulletin's text, so that it fits one message: the
// named cases, the units under the floor and the categories.
const (
	bulletinNamed      = 25
	bulletinBelowFloor = 10
	bulletinCategories = 5
)

type reports struct {
	e  *dialog.Engine
	st *store.Store
}

// RegisterReports adds /report.
func RegisterReports(e *dialog.Engine, st *store.Store) error {
	r := &reports{e: e, st: st}
	return e.RegisterCommand("report", r.command)
}

func (r *reports) command(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	args := strings.Fields(c.Args)
	if len(args) == 0 || len(args) > 2 {
		return nil, &dialog.Refusal{MessageID: MsgReportUsage}
	}
	switch args[0] {
	case "week":
		week := r.st.Now()
		if len(args) == 2 {
			d, err := time.ParseInLocation(time.DateOnly, args[1], r.st.Location())
			if err != nil {
				return nil, &dialog.Refusal{MessageID: MsgReportUsage}
			}
			week = d
		}
		return r.week(ctx, c, week)
	case "month":
		month := r.st.Now()
		if len(args) == 2 {
			d, err := time.ParseInLocation("2006-01", args[1], r.st.Location())
			if err != nil {
				return nil, &dialog.Refusal{MessageID: MsgReportUsage}
			}
			month = d
		}
		return r.month(ctx, c, month)
	}
	return nil, &dialog.Refusal{MessageID: MsgReportUsage}
}

// week answers with the bulletin of the week of a day.
func (r *reports) week(ctx context.Context, c dialog.Call, week time.Time) ([]dialog.Reply, error) {
	a, err := r.st.ActorByAccount(ctx, c.UserID)
	if err != nil {
		return nil, refusal(bulletinRefusals, err)
	}
	region, _, err := r.st.FiguresRegion(ctx, a)
	if err != nil {
		return nil, refusal(bulletinRefusals, err)
	}
	b, err := r.st.Bulletin(ctx, store.BulletinParams{RegionID: region, Week: week})
	if err != nil {
		return nil, err
	}
	return BulletinReplies(r.e.Translator(), c.Lang, b)
}

// month has the monthly report of a month made and sent as a document by a job (a city's
// workbook takes seconds, and megabytes the chat's answers are not kept in), and says so.
func (r *reports) month(ctx context.Context, c dialog.Call, month time.Time) ([]dialog.Reply, error) {
	a, err := r.st.ActorByAccount(ctx, c.UserID)
	if err != nil {
		return nil, refusal(monthlyRefusals, err)
	}
	name, err := r.st.AskMonthlyReport(ctx, a, c.ChatID, c.Lang, month)
	if err != nil {
		return nil, refusal(monthlyRefusals, err)
	}
	return []dialog.Reply{{MessageID: MsgMonthlyPreparing, Data: map[string]any{"Region": name, "Month": r.st.MonthStart(month).Format("2006-01")}}}, nil
}

// BulletinReplies are a bulletin as it is shown in lang: its text, then each chart as a
// photo with a short caption.
func BulletinReplies(tr *dialog.Translator, lang string, b store.Bulletin) ([]dialog.Reply, error) {
	t := func(id string, d map[string]any) string { return tr.T(lang, id, d) }
	this, last := b.This, b.Last
	span := map[string]any{"Region": b.Region, "From": this.From.Format(time.DateOnly), "To": this.To.AddDate(0, 0, -1).Format(time.DateOnly)}
	data := map[string]any{
		"Found": this.Found, "FoundChange": change(this.Found, last.Found),
		"Assigned": this.Assigned, "AssignedChange": change(this.Assigned, last.Assigned),
		"Resolved": this.Resolved, "ResolvedChange": change(this.Resolved, last.Resolved),
		"Closed": this.Closed, "ClosedChange": change(this.Closed, last.Closed),
		"Open": this.Open(), "Overdue": this.Overdue,
		"Response": rate(this.Response()), "ResponseLast": rate(last.Response()),
		"OnTime": rate(this.OnTimeResolution()), "OnTimeLast": rate(last.OnTimeResolution()),
		"Satisfaction": rate(this.Satisfaction()), "SatisfactionLast": rate(last.Satisfaction()),
		"NamedDays": b.NamedAfterDays, "NamedCount": len(b.Named), "Floor": fmt.Sprintf("%g", b.Floor),
	}
	for k, v := range span {
		data[k] = v
	}
	var named, below, cats strings.Builder
	for i, n := range b.Named {
		if i == bulletinNamed {
			named.WriteString("\n" + t(MsgStatsMore, map[string]any{"Count": len(b.Named) - i}))
			break
		}
		named.WriteString("\n" + t(MsgBulletinNamedLine, map[string]any{"TicketNo": n.TicketNo, "Unit": dialog.Clip(n.Unit, 24),
			"Handler": dialog.Clip(n.Handler, 12), "Due": n.ResolveDue.In(this.From.Location()).Format(time.DateOnly)}))
	}
	for i, u := range b.BelowFloor {
		if i == bulletinBelowFloor {
			below.WriteString("\n" + t(MsgStatsMore, map[string]any{"Count": len(b.BelowFloor) - i}))
			break
		}
		below.WriteString("\n" + t(MsgBulletinUnitLine, map[string]any{"Unit": dialog.Clip(u.Name, 24), "Rate": rate(u.Satisfaction())}))
	}
	for i, k := range this.ByCategory {
		if i == bulletinCategories || k.Found == 0 {
			break
		}
		name := rowName(lang, k)
		if k.Key == "" {
			name = t(MsgStatsNoCategory, nil)
		}
		cats.WriteString("\n" + t(MsgBulletinCategoryLine, map[string]any{"Name": dialog.Clip(name, 24), "Found": k.Found}))
	}
	none := "\n" + t(MsgStatsNone, nil)
	data["Named"], data["BelowFloor"], data["Categories"] = orNone(named.String(), none), orNone(below.String(), none), orNone(cats.String(), none)

	trendPNG, err := trendChart(tr, lang, t(MsgBulletinTrendTitle, nil), b.Trend)
	if err != nil {
		return nil, err
	}
	regionsPNG, err := regionsChart(tr, lang, b.Region, this)
	if err != nil {
		return nil, err
	}
	return []dialog.Reply{
		{MessageID: MsgBulletin, Data: data},
		{MessageID: MsgBulletinTrendCaption, Data: span, Photo: trendPNG},
		{MessageID: MsgBulletinRegionsCaption, Data: span, Photo: regionsPNG},
	}, nil
}

// rowName is a breakdown line's name in lang.
func rowName(lang string, r store.FigureRow) string {
	if lang == dialog.LangEN && r.NameEn != "" {
		return r.NameEn
	}
	return r.Name
}

// change is a count's change from the week before: "+3", "-1", "±0".
func change(this, last int) string {
	switch d := this - last; {
	case d > 0:
		return fmt.Sprintf("+%d", d)
	case d < 0:
		return fmt.Sprintf("%d", d)
	}
	return "±0"
}

// orNone is s, or none when s is empty.
func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
