package conversations

import (
	"github.com/bangban/bangban/charts"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// The two charts of the figures, drawn in the reader's language: the weekly bulletin sends
// them as photos, /stats sends the second after its text, and the monthly workbook shows both
// on its report sheet.

// chartRegions is how many sub-regions the chart by region shows: the most found first.
const chartRegions = 10

// trendChart draws the cases found and resolved week by week, the weeks labelled by their
// first day.
func trendChart(tr *dialog.Translator, lang, title string, weeks []store.WeekCount) ([]byte, error) {
	c := charts.Chart{Title: title, Series: []charts.Series{{Name: tr.T(lang, MsgBulletinFound, nil)}, {Name: tr.T(lang, MsgBulletinResolved, nil)}}}
	for _, w := range weeks {
		c.Labels = append(c.Labels, w.Monday.Format("01/02"))
		c.Series[0].Values = append(c.Series[0].Values, w.Found)
		c.Series[1].Values = append(c.Series[1].Values, w.Resolved)
	}
	return charts.Lines(c)
}

// regionsChart draws the cases of each sub-region of the figures by how they stand now
// (waiting, in hand), beside those resolved in the period and those overdue now; a region
// with no sub-region is one bar group of its own name.
func regionsChart(tr *dialog.Translator, lang, region string, f store.Figures) ([]byte, error) {
	t := func(id string) string { return tr.T(lang, id, nil) }
	c := charts.Chart{Title: t(MsgBulletinRegionsTitle), Series: []charts.Series{{Name: t(MsgBulletinWaiting)},
		{Name: t(MsgBulletinInProgress)}, {Name: t(MsgBulletinResolved)}, {Name: t(MsgBulletinOverdue)}}}
	rows := f.BySubRegion[:min(len(f.BySubRegion), chartRegions)]
	if len(rows) == 0 {
		rows = []store.FigureRow{{Name: region, NameEn: region, Key: "-"}}
	}
	for _, row := range rows {
		name := rowName(lang, row)
		if row.Self {
			name = tr.T(lang, MsgStatsSelf, map[string]any{"Name": name})
		}
		c.Labels = append(c.Labels, dialog.Clip(name, 8))
		for i, v := range []int{row.OpenSubmitted + row.OpenAssigned, row.OpenInProgress, row.Resolved, row.Overdue} {
			c.Series[i].Values = append(c.Series[i].Values, v)
		}
	}
	return charts.Bars(c)
}
