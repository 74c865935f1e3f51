package conversations_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// A file is judged by its bytes: the type its sender's app declared must be one reports take,
// and the bytes must agree with it.
func TestCheckFileContentJudgesTheBytes(t *testing.T) {
	t.Parallel()
	var (
		png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
		heic = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
		tiff = []byte("II*\x00\x08\x00\x00\x00")
		pdf  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
		zip  = []byte("PK\x03\x04\x14\x00\x06\x00")
		ole  = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")
		exe  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 50)...)
		txt  = []byte("变压器铭牌：400kVA，10kV/0.4kV\r\n")
		html = []byte("<html><script>alert(1)</script>")
	)
	for _, c := range []struct {
		name     string
		photo    bool
		declared string
		data     []byte
		keepAs   string
		ok       bool
	}{
		{"photo", true, "", jpeg, "image/jpeg", true},
		{"photo that is a program", true, "", exe, "application/octet-stream", false},
		{"png document", false, "image/png", png, "image/png", true},
		{"phone picture", false, "image/heic", heic, "image/heic", true},
		{"scan", false, "image/tiff", tiff, "image/tiff", true},
		{"pdf", false, "application/pdf", pdf, "application/pdf", true},
		{"pdf with parameters", false, "Application/PDF; name=x.pdf", pdf, "application/pdf", true},
		{"docx", false, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zip,
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document", true},
		{"old doc", false, "application/msword", ole, "application/msword", true},
		{"csv sent as xls", false, "application/vnd.ms-excel", txt, "application/vnd.ms-excel", true},
		{"text", false, "text/plain", txt, "text/plain", true},
		{"program named pdf", false, "application/pdf", exe, "application/pdf", false},
		{"program named docx", false, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", exe, "", false},
		{"zip named pdf", false, "application/pdf", zip, "", false},
		{"web page named text", false, "text/plain", html, "", false},
		{"picture named pdf", false, "application/pdf", png, "", false},
		{"pdf named picture", false, "image/jpeg", pdf, "", false},
		{"program as itself", false, "application/x-msdownload", exe, "", false},
		{"no type", false, "", pdf, "", false},
		{"empty", false, "application/pdf", nil, "", false},
	} {
		keepAs, content, ok := conversations.CheckFileContent(c.photo, c.declared, c.data)
		if ok != c.ok || (c.ok && keepAs != c.keepAs) || (!c.ok && c.keepAs != "" && keepAs != c.keepAs) {
			t.Errorf("%s: keep as %q (content %q), ok %v; want %q, %v", c.name, keepAs, content, ok, c.keepAs, c.ok)
		}
	}
}

// The timeline names the file not kept and why, in each language.
func TestTheTimelineSaysWhyAFileWasNotKept(t *testing.T) {
	t.Parallel()
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang, reason, kind, name string
		want                     []string
	}{
		{dialog.LangZH, store.NotKeptTooLarge, "document", "图纸.pdf", []string{"文件未能存档", "图纸.pdf", "超过 20MB"}},
		{dialog.LangZH, store.NotKeptWrongType, "document", "setup.pdf", []string{"setup.pdf", "不是可接受的文件类型"}},
		{dialog.LangZH, store.NotKeptWrongType, "photo", "", []string{"一张照片", "内容不是图片"}},
		{dialog.LangZH, store.NotKeptDownload, "photo", "", []string{"一张照片", "多次下载失败"}},
		{dialog.LangZH, store.NotKeptStore, "document", "a.docx", []string{"a.docx", "多次存储失败"}},
		{dialog.LangEN, store.NotKeptTooLarge, "document", "plan.pdf", []string{"File not archived", "plan.pdf", "over 20 MB"}},
		{dialog.LangEN, store.NotKeptWrongType, "document", "setup.pdf", []string{"not of a type reports take"}},
		{dialog.LangEN, store.NotKeptDownload, "photo", "", []string{"a photo", "could not be downloaded"}},
		{dialog.LangEN, store.NotKeptStore, "photo", "", []string{"a photo", "could not be stored"}},
	} {
		got := tr.T(c.lang, "ev_"+store.EventFileNotKept, map[string]any{"Reason": c.reason, "Kind": c.kind, "Name": c.name})
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s %s: %q lacks %q", c.lang, c.reason, c.kind, got, w)
			}
		}
	}
}
