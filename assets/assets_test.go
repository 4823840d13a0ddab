package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIconPNGDecodes(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(IconPNG()))
	if err != nil {
		t.Fatalf("decode icon.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Errorf("icon.png is %dx%d, want 512x512", b.Dx(), b.Dy())
	}
	if !bytes.Contains(IconSVG(), []byte("<svg")) {
		t.Errorf("icon.svg holds no <svg> element")
	}
}
