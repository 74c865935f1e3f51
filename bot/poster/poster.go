// Package poster draws invite posters: the invite's QR code with the unit's or person's name
// and a caption under it, as a PNG ready to print and pin up (扫码报事). Names are drawn with
// an embedded CJK font, so a poster looks the same on a server without fonts.
package poster

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"sync"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	cjk "github.com/bangban/bangban/font"
)

// fonts are tried in order for each character: Go's own font for Latin letters and digits,
// Droid Sans Fallback for Chinese (it lacks some Latin letters).
var parsed struct {
	once  sync.Once
	fonts []*opentype.Font
	err   error
}

func loadFonts() ([]*opentype.Font, error) {
	parsed.once.Do(func() {
		for _, data := range [][]byte{goregular.TTF, cjk.CJK} {
			f, err := opentype.Parse(data)
			if err != nil {
				parsed.err = err
				return
			}
			parsed.fonts = append(parsed.fonts, f)
		}
	})
	return parsed.fonts, parsed.err
}

const (
	width   = 800
	qrSize  = 640
	margin  = 60
	nameMax = 48 // points; long names shrink to fit
	capSize = 30
)

// CodeBounds is where the QR code (with its quiet zone) sits on every poster.
func CodeBounds() image.Rectangle {
	x0 := (width - qrSize) / 2
	return image.Rect(x0, margin, x0+qrSize, margin+qrSize)
}

// Draw renders a poster for link with name and caption under the code.
func Draw(link, name, caption string) (image.Image, error) {
	f, err := loadFonts()
	if err != nil {
		return nil, fmt.Errorf("poster font: %w", err)
	}
	qr, err := qrcode.New(link, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	height := margin + qrSize + 30 + nameMax + 30 + capSize + margin
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, CodeBounds(), qr.Image(qrSize), image.Point{}, draw.Src)

	y := margin + qrSize + 30 + nameMax
	if err := centered(img, f, name, nameMax, y, color.Black); err != nil {
		return nil, err
	}
	y += 30 + capSize
	if err := centered(img, f, caption, capSize, y, color.RGBA{0x55, 0x55, 0x55, 0xff}); err != nil {
		return nil, err
	}
	return img, nil
}

// centered draws text centred on baseline y, shrinking it until it fits the width.
func centered(img *image.RGBA, fonts []*opentype.Font, text string, size float64, y int, c color.Color) error {
	for ; ; size -= 2 {
		faces := make([]font.Face, len(fonts))
		for i, f := range fonts {
			face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
			if err != nil {
				return fmt.Errorf("poster face: %w", err)
			}
			defer face.Close()
			faces[i] = face
		}
		runs := split(fonts, text)
		w := fixed.Int26_6(0)
		for _, r := range runs {
			w += font.MeasureString(faces[r.font], r.text)
		}
		if w.Ceil() <= width-margin || size <= 12 {
			d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Dot: fixed.P((width-w.Ceil())/2, y)}
			for _, r := range runs {
				d.Face = faces[r.font]
				d.DrawString(r.text)
			}
			return nil
		}
	}
}

type run struct {
	font int
	text string
}

// split cuts text into runs, each in the first font that has all its characters.
func split(fonts []*opentype.Font, text string) []run {
	var b sfnt.Buffer
	var runs []run
	for _, ch := range text {
		fi := len(fonts) - 1
		for i, f := range fonts {
			if g, err := f.GlyphIndex(&b, ch); err == nil && g != 0 {
				fi = i
				break
			}
		}
		if n := len(runs); n > 0 && runs[n-1].font == fi {
			runs[n-1].text += string(ch)
		} else {
			runs = append(runs, run{font: fi, text: string(ch)})
		}
	}
	return runs
}

// WritePNG renders a poster and writes it as PNG.
func WritePNG(w io.Writer, link, name, caption string) error {
	img, err := Draw(link, name, caption)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// Covers reports whether every character of text has a glyph in the poster's fonts, for
// tests that no name comes out as boxes.
func Covers(text string) (bool, error) {
	fonts, err := loadFonts()
	if err != nil {
		return false, err
	}
	var b sfnt.Buffer
	for _, ch := range text {
		found := false
		for _, f := range fonts {
			if g, err := f.GlyphIndex(&b, ch); err == nil && g != 0 {
				found = true
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}
