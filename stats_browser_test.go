package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromiumFlags run Debian's chromium headless, offline and without a
// profile of its own.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--force-device-scale-factor=1",
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestStatsBrowser opens the HTML report in a real headless Chromium: the
// rendered DOM must hold the figures and the screenshot must not be blank.
// It is skipped when Chromium is not installed, unless
// SUPPORTBOT_BROWSER_TEST=required (as .ci/run sets it after installing
// Chromium). SUPPORTBOT_STATS_OUT=DIR keeps the page and the screenshot.
func TestStatsBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		if os.Getenv("SUPPORTBOT_BROWSER_TEST") == "required" {
			t.Fatal("chromium is not installed (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	d := newStatsDB(t)
	fillBusy(d)
	dir := os.Getenv("SUPPORTBOT_STATS_OUT")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, _ = filepath.Abs(dir)
	page := filepath.Join(dir, "stats.html")
	shot := filepath.Join(dir, "stats.png")
	os.Remove(shot)
	out, _, err := runStatsTest(t, "-db", d.Path, "-since", "14d", "-json", "-html", page)
	if err != nil {
		t.Fatal(err)
	}
	var r statsReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}

	dom := chromium(t, bin, "--dump-dom", "file://"+page)
	for _, want := range []string{
		`id="answered-share">` + percent(r.Questions.AnsweredShare) + `<`,
		`id="conversations">` + strconv.Itoa(r.Totals.Conversations) + `<`,
		`Есть ли у вас подарочные сертификаты?`,
		`<svg`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %s", want)
		}
	}

	chromium(t, bin, "--screenshot="+shot, "--window-size=1280,2900", "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if n := colours(img); n < 20 {
		t.Errorf("screenshot has %d colours: the page did not render", n)
	}
	t.Logf("page %s, screenshot %s", page, shot)
}

// chromium runs the browser with a fresh profile and returns its stdout.
func chromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, append(append(append([]string{}, chromiumFlags...), "--user-data-dir="+profile), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// colours counts the distinct colours of a sample of the image's pixels.
func colours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	return len(seen)
}
