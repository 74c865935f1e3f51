// Package charts draws the figures of the weekly bulletin (周通报) as PNG pictures: the cases
// found and resolved week by week, and the cases of each sub-region by how they stand. The
// labels are the caller's, already in the reader's language; they are drawn with the CJK
// font embedded in bangban, so that Chinese shows on a server without fonts.
package charts

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	gocharts "github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"

	cjk "github.com/bangban/bangban/font"
)

// Width and Height are every chart's size in pixels: wide enough for eight weeks or a
// county's townships, and small enough to read on a phone.
const (
	Width  = 900
	Height = 560
)

// Chart is what a chart shows: a title, one label a column (a week, a sub-region), and the
// series drawn over them, each with as many values as there are labels.
type Chart struct {
	Title  string
	Labels []string
	Series []Series
}

// Series is one named line or bar colour.
type Series struct {
	Name   string
	Values []int
}

var font struct {
	once sync.Once
	f    *truetype.Font
	err  error
}

// loadFont parses the embedded CJK font once.
func loadFont() (*truetype.Font, error) {
	font.once.Do(func() { font.f, font.err = truetype.Parse(cjk.CJK) })
	return font.f, font.err
}

// check refuses a chart whose series do not give a value for each label.
func (c Chart) check() error {
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		return fmt.Errorf("chart %q: no labels or no series", c.Title)
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Labels) {
			return fmt.Errorf("chart %q: series %q has %d values for %d labels", c.Title, s.Name, len(s.Values), len(c.Labels))
		}
	}
	return nil
}

// top is the value axis's end: a chart of nothing but zeros still has a scale.
func (c Chart) top() *float64 {
	for _, s := range c.Series {
		for _, v := range s.Values {
			if v > 0 {
				return nil
			}
		}
	}
	return gocharts.Ptr(5.0)
}

// values and names are the series as go-analyze/charts takes them.
func (c Chart) values() ([][]float64, []string) {
	vs, names := make([][]float64, len(c.Series)), make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
		vs[i] = make([]float64, len(s.Values))
		for j, v := range s.Values {
			vs[i][j] = float64(v)
		}
	}
	return vs, names
}

// whole shows counts as whole numbers.
func whole(v float64) string { return strconv.Itoa(int(math.Round(v))) }

// style is the font of every text of a chart.
func style(f *truetype.Font, size float64) gocharts.FontStyle {
	return gocharts.FontStyle{Font: f, FontSize: size, FontColor: gocharts.ColorBlack}
}

// prepare checks c and gives what both kinds draw it with: the font and its series.
func (c Chart) prepare() (*truetype.Font, [][]float64, []string, error) {
	if err := c.check(); err != nil {
		return nil, nil, nil, err
	}
	f, err := loadFont()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("chart font: %w", err)
	}
	vs, names := c.values()
	return f, vs, names, nil
}

// paint draws c with draw on a PNG of Width × Height.
func (c Chart) paint(f *truetype.Font, draw func(*gocharts.Painter) error) ([]byte, error) {
	p := gocharts.NewPainter(gocharts.PainterOptions{OutputFormat: gocharts.ChartOutputPNG, Width: Width, Height: Height, Font: f})
	if err := draw(p); err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.Title, err)
	}
	return p.Bytes()
}

// Lines draws c as lines, one a series, with a point for each label: the found and the
// resolved of the last weeks.
func Lines(c Chart) ([]byte, error) {
	f, vs, names, err := c.prepare()
	if err != nil {
		return nil, err
	}
	opt := gocharts.NewLineChartOptionWithData(vs)
	opt.Title = gocharts.TitleOption{Text: c.Title, FontStyle: style(f, 18), Offset: gocharts.OffsetLeft}
	opt.Legend = gocharts.LegendOption{SeriesNames: names, FontStyle: style(f, 14), Offset: gocharts.OffsetRight}
	opt.XAxis.Labels = c.Labels
	opt.XAxis.LabelFontStyle = style(f, 12)
	opt.YAxis = []gocharts.YAxisOption{{LabelFontStyle: style(f, 12), Min: gocharts.Ptr(0.0), Max: c.top()}}
	opt.ValueFormatter = whole
	opt.LineStrokeWidth = 3
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label.Show = gocharts.Ptr(true)
		opt.SeriesList[i].Label.FontStyle = style(f, 12)
	}
	return c.paint(f, func(p *gocharts.Painter) error { return p.LineChart(opt) })
}

// Bars draws c as a group of bars a label, one a series side by side (not stacked: the
// overdue are among the waiting and in hand): the cases of each sub-region by how they stand.
func Bars(c Chart) ([]byte, error) {
	f, vs, names, err := c.prepare()
	if err != nil {
		return nil, err
	}
	opt := gocharts.NewBarChartOptionWithData(vs)
	opt.Title = gocharts.TitleOption{Text: c.Title, FontStyle: style(f, 18), Offset: gocharts.OffsetLeft}
	opt.Legend = gocharts.LegendOption{SeriesNames: names, FontStyle: style(f, 14), Offset: gocharts.OffsetRight}
	opt.CategoryAxis.Labels = c.Labels
	opt.CategoryAxis.LabelFontStyle = style(f, 12)
	opt.ValueAxis = []gocharts.ValueAxisOption{{LabelFontStyle: style(f, 12), Min: gocharts.Ptr(0.0), Max: c.top()}}
	opt.ValueFormatter = whole
	return c.paint(f, func(p *gocharts.Painter) error { return p.BarChart(opt) })
}
