package conversations

import (
	"bytes"
	"mime"
	"net/http"
	"strings"
)

// MaxFileBytes is the largest file a report takes: what the Bot API lets a bot download, so
// that the city can keep a copy of every file it took.
const MaxFileBytes = maxFileBytes

// What the bytes of an accepted document may show, by its declared type: the type
// http.DetectContentType sees in them, or one of the signatures it does not know (sniff). A
// .docx is a zip; an old .doc, .xls or .ppt a compound file, and a .xls may be a newer file
// under an old name, or the CSV Windows sends as one.
var documentContent = []struct {
	declared string
	content  []string
}{
	{"image/", []string{"image/"}},
	{"application/pdf", []string{"application/pdf"}},
	{"application/vnd.openxmlformats-officedocument.", []string{"application/zip"}},
	{"application/msword", []string{compoundFile, "application/zip"}},
	{"application/vnd.ms-excel", []string{compoundFile, "application/zip", "text/plain"}},
	{"application/vnd.ms-powerpoint", []string{compoundFile, "application/zip"}},
	{"text/plain", []string{"text/plain"}},
}

// compoundFile is what sniff calls the old Office formats (OLE compound files).
const compoundFile = "application/x-ole-storage"

// sniff is the type a file's first bytes show: http.DetectContentType's answer, without its
// parameters, completed with the formats a report takes that it does not know (the old Office
// formats, TIFF scans, HEIF and AVIF pictures from phones).
func sniff(data []byte) string {
	ct, _, _ := strings.Cut(http.DetectContentType(data), ";")
	if ct != "application/octet-stream" {
		return ct
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return compoundFile
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "image/tiff"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		switch string(data[8:12]) {
		case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		case "avif", "avis":
			return "image/avif"
		}
	}
	return ct
}

// CheckFileContent judges a file a report took by its bytes, not by what the sender's app
// declared: a photo must be a picture, a document of a type reports take (acceptedDocuments)
// whose bytes agree with that type (a "PDF" that is a program is not one). It returns the
// type to keep the file with (a document's declared type, which says more than its bytes: a
// .docx is a zip; a photo's as its bytes show), the type the bytes show, and whether the file
// passes.
func CheckFileContent(photo bool, declared string, data []byte) (keepAs, content string, ok bool) {
	content = sniff(data)
	if photo {
		return content, content, strings.HasPrefix(content, "image/")
	}
	d, _, err := mime.ParseMediaType(declared)
	if err != nil || !acceptedType(d) {
		return d, content, false
	}
	for _, dc := range documentContent {
		if !strings.HasPrefix(d, dc.declared) {
			continue
		}
		for _, c := range dc.content {
			if strings.HasPrefix(content, c) {
				return d, content, true
			}
		}
		return d, content, false
	}
	return d, content, false
}
