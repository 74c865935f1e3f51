package conversations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bangban/bangban/charts"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// /report week: the weekly bulletin (周通报) of an office's region (an admin's: the city's),
// for this week so far or the week of a date given ("/report week 2026-11-18"): the
// figures beside the week before's, the named list, the handling units under the
// satisfaction floor, the categories most found, and two charts. The same bulletin reaches
// each office member on Monday morning for the week just ended (BulletinReplies, which the
// bot's worker renders as this does).

// bulletinLists caps each list of the bulletin's text, so that it fits one message: the
// named cases, the units under the floor, the categories and the sub-regions of the chart.
const (
	bulletinNamed      = 25
	bulletinBelowFloor = 10
	bulletinCategories = 5
	bulletinRegions    = 10
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
	if len(args) == 0 || len(args) > 2 || args[0] != "week" {
		return nil, &dialog.Refusal{MessageID: MsgReportUsage}
	}
	week := r.st.Now()
	if len(args) == 2 {
		d, err := time.ParseInLocation(time.DateOnly, args[1], r.st.Location())
		if err != nil {
			return nil, &dialog.Refusal{MessageID: MsgReportUsage}
		}
		week = d
	}
	a, err := r.st.ActorByAccount(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &dialog.Refusal{MessageID: MsgNotBound}
	}
	if err != nil {
		return nil, err
	}
	region, _, err := r.st.FiguresRegion(ctx, a)
	if errors.Is(err, store.ErrForbidden) {
		return nil, &dialog.Refusal{MessageID: MsgReportOfficesOnly}
	}
	if err != nil {
		return nil, err
	}
	b, err := r.st.Bulletin(ctx, store.BulletinParams{RegionID: region, Week: week})
	if err != nil {
		return nil, err
	}
	return BulletinReplies(r.e.Translator(), c.Lang, b)
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

	trend := charts.Chart{Title: t(MsgBulletinTrendTitle, nil), Series: []charts.Series{{Name: t(MsgBulletinFound, nil)}, {Name: t(MsgBulletinResolved, nil)}}}
	for _, w := range b.Trend {
		trend.Labels = append(trend.Labels, w.Monday.Format("01/02"))
		trend.Series[0].Values = append(trend.Series[0].Values, w.Found)
		trend.Series[1].Values = append(trend.Series[1].Values, w.Resolved)
	}
	trendPNG, err := charts.Lines(trend)
	if err != nil {
		return nil, err
	}
	regions := charts.Chart{Title: t(MsgBulletinRegionsTitle, nil), Series: []charts.Series{{Name: t(MsgBulletinWaiting, nil)},
		{Name: t(MsgBulletinInProgress, nil)}, {Name: t(MsgBulletinResolved, nil)}, {Name: t(MsgBulletinOverdue, nil)}}}
	rows := this.BySubRegion[:min(len(this.BySubRegion), bulletinRegions)]
	if len(rows) == 0 {
		rows = []store.FigureRow{{Name: b.Region, NameEn: b.Region, Key: "-"}}
	}
	for _, row := range rows {
		name := rowName(lang, row)
		if row.Self {
			name = t(MsgStatsSelf, map[string]any{"Name": name})
		}
		regions.Labels = append(regions.Labels, dialog.Clip(name, 8))
		for i, v := range []int{row.OpenSubmitted + row.OpenAssigned, row.OpenInProgress, row.Resolved, row.Overdue} {
			regions.Series[i].Values = append(regions.Series[i].Values, v)
		}
	}
	regionsPNG, err := charts.Bars(regions)
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
