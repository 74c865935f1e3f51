package poster_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/bangban/bangban/bot/poster"
	"github.com/bangban/bangban/bot/poster/postertest"
)

// A printed poster scans back to the deep link, and its name is drawn under the code.
func TestPosterScansBackToTheLink(t *testing.T) {
	t.Parallel()
	link := "https://t.me/bangban_bot?start=Zq3xW0-8pLkT_mNvB2cD4e"
	var buf bytes.Buffer
	if err := poster.WritePNG(&buf, link, "云岭精密机械有限公司", "扫码报事 · 帮办"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, err := postertest.Scan(img)
	if err != nil {
		t.Fatalf("the poster does not scan: %v", err)
	}
	if got != link {
		t.Fatalf("scanned %q, want %q", got, link)
	}
	// Ink under the code: the name and caption were drawn.
	b := img.Bounds()
	if dark := darkPixels(img, image.Rect(0, 700, b.Dx(), b.Dy())); dark < 500 {
		t.Fatalf("only %d dark pixels under the code: no name drawn", dark)
	}
}

func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c, _, _, _ := img.At(x, y).RGBA(); c < 0x8000 {
				n++
			}
		}
	}
	return n
}

// The fonts have the characters posters use, in both languages, so no name comes out as
// boxes.
func TestFontsCoverChineseAndEnglish(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"扫码报事帮办云岭精密机械有限公司村社区", "Scan to report a problem · bangban", "Yunling Precision Machinery Co., Ltd. 0123456789"} {
		ok, err := poster.Covers(text)
		if err != nil || !ok {
			t.Errorf("%q not covered: %v", text, err)
		}
	}
	if ok, _ := poster.Covers("\U0001F600"); ok {
		t.Error("claims to cover an emoji it has no glyph for")
	}
}

// Some codes are missed by gozxing's finder-pattern detector though the symbol is sound
// (this link is one, found by trying many); the scan still reads them, from the code's
// square, so an invite test never fails on the luck of its random code.
func TestScanReadsCodesTheDetectorMisses(t *testing.T) {
	t.Parallel()
	link := "https://t.me/bangban_bot?start=SADIfMHxUXRPXdaGYMDViQ"
	img, err := poster.Draw(link, "石门村", "Scan")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := postertest.Scan(img); err != nil || got != link {
		t.Fatalf("scanned %q (%v), want %s", got, err, link)
	}
}
