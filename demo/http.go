package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/bangban/bangban/locales"
)

//go:embed web
var web embed.FS

// samplePhoto is the picture a phone's camera button sends.
//
//go:embed web/sample.png
var samplePhoto []byte

// maxUpload bounds a photo chosen from the computer: what a phone would send.
const maxUpload = 10 << 20

// Handler serves the page, its assets and its API:
//
//	GET  /                 the page
//	GET  /static/…         its script, style and sample photo
//	GET  /i18n/LANG        the page's labels in a language (zh-CN, en), from locales/
//	GET  /api/state        the frame: the demo's time, the people, who is on each phone
//	GET  /api/phone?phone=N what phone N shows
//	GET  /api/events       the frame and the phones, as server-sent events when they change
//	GET  /api/file/ID      a photo's or a document's bytes
//	POST /api/send         {"phone":N,"text":"…"}
//	POST /api/press        {"phone":N,"message_id":M,"data":"…"}, or on WeCom
//	                       {"phone":N,"task_id":"…","key":"…"}
//	POST /api/photo        {"phone":N,"caption":"…"} (the sample), or a form with a file (a
//	                       picture goes as a photo, anything else as a document)
//	POST /api/location     {"phone":N}
//	POST /api/person       {"phone":N,"persona":"cadre"}
//	POST /api/lang         {"phone":N,"lang":"en"}
//	POST /api/platform     {"phone":N,"platform":"telegram"|"wecom"}
//	POST /api/clock        {"move":"hour"|"day"|"monday"}
//
// Only requests addressed to a loopback host are served, and a POST only from the page
// itself: another site open in the same browser can neither read the demo nor act in it.
func (d *Demo) Handler() http.Handler {
	static, _ := fs.Sub(web, "web")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page, _ := fs.ReadFile(static, "index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /i18n/{lang}", func(w http.ResponseWriter, r *http.Request) {
		labels, err := PageLabels(r.PathValue("lang"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, labels)
	})
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, d.State()) })
	mux.HandleFunc("GET /api/phone", func(w http.ResponseWriter, r *http.Request) {
		var phone int
		if _, err := fmt.Sscan(r.URL.Query().Get("phone"), &phone); err != nil {
			http.Error(w, "phone: not a number", http.StatusBadRequest)
			return
		}
		v, err := d.Phone(phone)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, v)
	})
	mux.HandleFunc("GET /api/events", d.events)
	mux.HandleFunc("GET /api/file/{id}", d.file)
	mux.HandleFunc("POST /api/send", d.post(func(r *http.Request, a action) error {
		if strings.TrimSpace(a.Text) == "" {
			return errEmpty
		}
		return d.SendText(a.Phone, a.Text)
	}))
	mux.HandleFunc("POST /api/press", d.post(func(r *http.Request, a action) error {
		if a.TaskID != "" {
			return d.PressCard(a.Phone, a.TaskID, a.Key)
		}
		return d.Press(a.Phone, a.MessageID, a.Data)
	}))
	mux.HandleFunc("POST /api/photo", d.photo)
	mux.HandleFunc("POST /api/location", d.post(func(r *http.Request, a action) error { return d.SendLocation(a.Phone) }))
	mux.HandleFunc("POST /api/person", d.post(func(r *http.Request, a action) error { return d.SetPhone(a.Phone, a.Persona) }))
	mux.HandleFunc("POST /api/platform", d.post(func(r *http.Request, a action) error { return d.SetPlatform(r.Context(), a.Phone, a.Platform) }))
	mux.HandleFunc("POST /api/lang", d.post(func(r *http.Request, a action) error { return d.SetLanguage(r.Context(), a.Phone, a.Lang) }))
	mux.HandleFunc("POST /api/clock", d.post(func(r *http.Request, a action) error {
		_, err := d.MoveClock(r.Context(), a.Move)
		return err
	}))
	return localOnly(mux)
}

// action is the body of a POST to the API.
type action struct {
	Phone     int    `json:"phone"`
	Text      string `json:"text"`
	MessageID int64  `json:"message_id"`
	Data      string `json:"data"`
	Caption   string `json:"caption"`
	Persona   string `json:"persona"`
	Lang      string `json:"lang"`
	Move      string `json:"move"`
	TaskID    string `json:"task_id"`
	Key       string `json:"key"`
	Platform  string `json:"platform"`
}

var errEmpty = errors.New("nothing to send")

// post reads a JSON action, runs it, and answers with the frame.
func (d *Demo) post(run func(*http.Request, action) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
			// A JSON body cannot be posted across sites without the browser asking first.
			http.Error(w, "want application/json", http.StatusUnsupportedMediaType)
			return
		}
		var a action
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&a); err != nil {
			http.Error(w, "malformed JSON", http.StatusBadRequest)
			return
		}
		if err := run(r, a); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, d.State())
	}
}

// photo sends the sample photo (a JSON body) or the file chosen (a form with a file field).
func (d *Demo) photo(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		d.post(func(r *http.Request, a action) error { return d.SendPhoto(a.Phone, a.Caption, nil) })(w, r)
		return
	}
	if ct != "multipart/form-data" {
		http.Error(w, "want application/json or multipart/form-data", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(maxUpload); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	var phone int
	if _, err := fmt.Sscan(r.FormValue("phone"), &phone); err != nil {
		http.Error(w, "phone: not a number", http.StatusBadRequest)
		return
	}
	f, header, err := r.FormFile("file")
	if err != nil {
		http.Error(w, "no file", http.StatusBadRequest)
		return
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil || len(content) == 0 {
		http.Error(w, "file not read", http.StatusBadRequest)
		return
	}
	if err := d.SendFile(phone, header.Filename, r.FormValue("caption"), content); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, d.State())
}

// file serves a photo or a document the simulator holds: a picture shown as itself, anything
// else as a download under its name.
func (d *Demo) file(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var content []byte
	if media, ok := strings.CutPrefix(id, wecomFile); ok {
		if d.wsim != nil {
			content = d.wsim.Media(media)
		}
	} else {
		content = d.sim.FileContent(id)
	}
	if content == nil {
		http.NotFound(w, r)
		return
	}
	ct := http.DetectContentType(content)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if name := r.URL.Query().Get("name"); name != "" || !strings.HasPrefix(ct, "image/") {
		if name == "" {
			name = "file"
		}
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
}

// events streams the frame and each phone as server-sent events ("state", "phone"), each
// when it differs from what was sent last: at once, then whenever the simulator records
// something or the demo changes.
func (d *Demo) events(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	last := map[string]string{}
	send := func(event, key string, v any) {
		b, _ := json.Marshal(v)
		if last[key] == string(b) {
			return
		}
		last[key] = string(b)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
	}
	for {
		d.mu.Lock()
		demoChanged := d.changed
		d.mu.Unlock()
		simChanged := d.sim.Changed()
		var wecomChanged <-chan struct{} // nil, never ready, without WeCom
		if d.wsim != nil {
			wecomChanged = d.wsim.Changed()
		}
		send("state", "state", d.State())
		for i := range Phones {
			if v, err := d.Phone(i); err == nil {
				send("phone", fmt.Sprint("phone", i), v)
			}
		}
		flusher.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-simChanged:
		case <-wecomChanged:
		case <-demoChanged:
		case <-time.After(20 * time.Second): // a comment keeps proxies and the browser from giving up
			fmt.Fprint(w, ": still here\n\n")
		}
		// Changes come in bursts (a send, its answer, a menu): show them together.
		select {
		case <-r.Context().Done():
			return
		case <-time.After(40 * time.Millisecond):
		}
	}
}

// localOnly serves only requests addressed to a loopback host (a page of another site that
// resolves its name to 127.0.0.1 is refused), and a POST only when it comes from the page.
func localOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback(r.Host) {
			http.Error(w, "the demo answers only at 127.0.0.1", http.StatusForbidden)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && r.Method != http.MethodGet {
			if u, err := url.Parse(origin); err != nil || u.Host != r.Host {
				http.Error(w, "cross-site request refused", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'")
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a refused action with what was wrong with it.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	for _, e := range []error{errNoSuchPhone, errNoSuchPersona, errNoSuchButton, errBadLanguage, errBadMove, errEmpty,
		errNoWeCom, errBadPlatform} {
		if errors.Is(err, e) {
			code = http.StatusBadRequest
		}
	}
	http.Error(w, err.Error(), code)
}

// labelPrefix marks the page's own labels among the messages of locales/.
const labelPrefix = "demo_"

// PageLabels are the demo page's labels in lang, by key: the messages of locales/ named
// demo_KEY, where every user-facing string lives.
func PageLabels(lang string) (map[string]string, error) {
	for _, file := range locales.Files {
		if file != "active."+lang+".toml" {
			continue
		}
		raw, err := fs.ReadFile(locales.FS, file)
		if err != nil {
			return nil, fmt.Errorf("page labels: %w", err)
		}
		var all map[string]any
		if err := toml.Unmarshal(raw, &all); err != nil {
			return nil, fmt.Errorf("page labels: %s: %w", file, err)
		}
		labels := map[string]string{}
		for id, v := range all {
			if key, ok := strings.CutPrefix(id, labelPrefix); ok {
				if s, ok := v.(string); ok {
					labels[key] = s
				}
			}
		}
		return labels, nil
	}
	return nil, fmt.Errorf("page labels: no language %q", lang)
}
