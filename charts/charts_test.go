package charts_test

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/bangban/bangban/charts"
)

var keep = flag.String("keep", "", "a directory to write the test's charts to, to look at them")

// drawn decodes a chart and checks it is a picture of the charts' size with something on it:
// many colours, and a good share of pixels that are not the white background.
func drawn(t *testing.T, name string, data []byte, err error) image.Image {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if *keep != "" {
		if err := os.WriteFile(filepath.Join(*keep, name+".png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != charts.Width || b.Dy() != charts.Height {
		t.Fatalf("%s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), charts.Width, charts.Height)
	}
	colours, ink := map[[4]uint32]bool{}, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	if len(colours) < 50 || ink < b.Dx()*b.Dy()/50 {
		t.Fatalf("%s looks blank: %d colours, %d pixels not background", name, len(colours), ink)
	}
	return img
}

// inkIn counts the pixels that are not background in r.
func inkIn(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if cr, g, b, _ := img.At(x, y).RGBA(); cr < 0xf000 || g < 0xf000 || b < 0xf000 {
				n++
			}
		}
	}
	return n
}

func TestFoundAndResolvedByWeek(t *testing.T) {
	t.Parallel()
	c := charts.Chart{Title: "近8周发现与办结", Labels: []string{"10/12", "10/19", "10/26", "11/02", "11/09", "11/16", "11/23", "11/30"},
		Series: []charts.Series{{Name: "发现问题", Values: []int{3, 5, 2, 8, 6, 4, 9, 7}}, {Name: "办结", Values: []int{1, 4, 3, 5, 6, 2, 7, 8}}}}
	data, err := charts.Lines(c)
	img := drawn(t, "weeks", data, err)
	// The Chinese title is drawn: its band at the top has ink.
	if inkIn(img, image.Rect(0, 0, charts.Width, 40)) < 100 {
		t.Fatal("the title is not drawn")
	}
}

func TestStatusBySubRegion(t *testing.T) {
	t.Parallel()
	c := charts.Chart{Title: "各乡镇办理情况", Labels: []string{"青石镇", "白沙乡", "云岭县本级"},
		Series: []charts.Series{{Name: "待办", Values: []int{4, 1, 0}}, {Name: "办理中", Values: []int{2, 3, 1}},
			{Name: "已办结", Values: []int{5, 0, 2}}, {Name: "超期", Values: []int{1, 0, 0}}}}
	data, err := charts.Bars(c)
	drawn(t, "regions", data, err)
}

func TestRefusesUnevenSeries(t *testing.T) {
	t.Parallel()
	_, err := charts.Bars(charts.Chart{Title: "x", Labels: []string{"a", "b"}, Series: []charts.Series{{Name: "s", Values: []int{1}}}})
	if err == nil {
		t.Fatal("a series short of a value was drawn")
	}
}

// A week with nothing found draws its axes and legend all the same.
func TestNothingToShow(t *testing.T) {
	t.Parallel()
	c := charts.Chart{Title: "各乡镇办理情况", Labels: []string{"青石镇"},
		Series: []charts.Series{{Name: "待办", Values: []int{0}}, {Name: "超期", Values: []int{0}}}}
	data, err := charts.Bars(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	data, err = charts.Lines(charts.Chart{Title: "近8周", Labels: []string{"11/16", "11/23"}, Series: []charts.Series{{Name: "发现", Values: []int{0, 0}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
}
