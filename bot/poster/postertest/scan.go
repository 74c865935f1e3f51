// Package postertest reads posters back, for tests: what a phone would find in the code.
package postertest

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/bangban/bangban/bot/poster"
)

// Scan decodes the QR code of a poster. It first looks for the code the way a camera app
// does, anywhere in the picture; gozxing's finder-pattern detector misses about one code in
// two hundred that other readers take, so when it does, the code's square is read on its
// own, which checks the symbol itself without the detector's guesses.
func Scan(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err == nil {
		return res.GetText(), nil
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return "", err
	}
	bmp, err2 := gozxing.NewBinaryBitmapFromImage(sub.SubImage(poster.CodeBounds()))
	if err2 != nil {
		return "", err2
	}
	res, err2 = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err2 != nil {
		return "", fmt.Errorf("anywhere: %w; in the code's square: %w", err, err2)
	}
	return res.GetText(), nil
}
