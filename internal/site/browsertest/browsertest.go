// Package browsertest reads the book as a reader does, in Debian's
// chromium, headless, driven by chromedp: the browser tests of package
// site (the built book) and of package preview (mdrun serve's reloading
// pages) open their tabs with it.
//
// A test binary starts one chromium, the first time a test asks for it,
// and every test opens its own tabs in it; Close, which the package's
// TestMain calls through Main, ends it. Without chromium a test skips,
// saying so; in CI (CI=true) it fails instead, so that CI never passes
// without the browser tests.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The one chromium of this test binary.
var shared struct {
	mu      sync.Mutex
	started bool
	missing error // chromium is not installed
	err     error // it is, and did not start
	ctx     context.Context
	stop    []context.CancelFunc
}

// Browser returns the context of the test binary's chromium, starting it
// the first time. It skips the test when chromium is not installed, or
// fails it in CI.
func Browser(t testing.TB) context.Context {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.started {
		shared.started = true
		start()
	}
	switch {
	case shared.missing != nil && os.Getenv("CI") == "true":
		t.Fatalf("chromium is not installed, and CI must run the browser tests (.ci/run installs it): %v", shared.missing)
	case shared.missing != nil:
		t.Skip("SKIP: chromium is not installed, so the book is not tested in a browser (apt-get install chromium fonts-ipafont-gothic)")
	case shared.err != nil:
		t.Fatalf("starting chromium: %v", shared.err)
	}
	return shared.ctx
}

// start starts chromium; shared.mu is held.
func start() {
	path, err := exec.LookPath("chromium")
	if err != nil {
		shared.missing = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // as root, Debian's chromium needs it
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing but the tests' own requests.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("lang", "ja"),
		// No UserDataDir: chromedp makes a temporary one, and removes
		// it when the browser ends.
		chromedp.WindowSize(1280, 900),
	)
	// Not a test's context: the browser outlives each test.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	shared.stop = []context.CancelFunc{cancel, cancelAlloc}
	if err := chromedp.Do(ctx); err != nil {
		shared.err = err
		return
	}
	shared.ctx = ctx
}

// Close ends the browser, if a test started it.
func Close() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, stop := range shared.stop {
		stop()
	}
	shared.stop = nil
}

// Main runs the tests, then ends the browser: a package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Close()
	os.Exit(code)
}

// A Tab is a browser tab that records what goes wrong in it: console
// errors, uncaught exceptions, failed loads, and requests that leave the
// machine. It closes when its test ends.
type Tab struct {
	T   testing.TB
	Ctx context.Context

	mu       sync.Mutex
	problems []string
}

// OpenTab opens a tab in the test binary's browser, 1280×900.
func OpenTab(t testing.TB) *Tab {
	t.Helper()
	browserCtx := Browser(t)
	tb := &Tab{T: t}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithListener(tb.listen))
	// Generous: axe over a long chapter takes long on a busy machine.
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel() // closes the tab, not the browser
	})
	tb.Ctx = ctx
	tb.Do(chromedp.EmulateViewport(1280, 900))
	return tb
}

// listen runs in the tab's event loop: it records, and returns.
func (tb *Tab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = fmt.Sprintf("uncaught exception: %s %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil {
			problem += ": " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			problem = fmt.Sprintf("log: %s (%s)", ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil || u.Scheme != "data" && u.Scheme != "file" && u.Scheme != "about" && u.Hostname() != "127.0.0.1" {
			problem = "a request leaves the machine: " + ev.Request.URL
		}
	}
	if problem != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, problem)
		tb.mu.Unlock()
	}
}

// Clean fails the test if anything went wrong in the tab so far.
func (tb *Tab) Clean(where string) {
	tb.T.Helper()
	// A command's reply comes after the events that came before it, so
	// this round trip lets every earlier event reach listen.
	tb.Eval("0")
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.T.Errorf("%s: %s", where, p)
	}
	tb.problems = nil
}

// Do runs the steps in the tab, and fails the test if one fails.
func (tb *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	tb.T.Helper()
	if err := chromedp.Do(tb.Ctx, steps...); err != nil {
		tb.T.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the page, awaiting a promise,
// and returns its value as fmt.Sprint shows it ("" for null).
func (tb *Tab) Eval(expr string) string {
	tb.T.Helper()
	v, err := chromedp.Run(tb.Ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.T.Fatalf("%s: %v", expr, err)
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// WaitFor waits until the expression is true, a minute at most. It polls
// at an interval rather than on animation frames, which a busy headless
// browser may not draw.
func (tb *Tab) WaitFor(expr string) {
	tb.T.Helper()
	if _, err := chromedp.Run(tb.Ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Minute))); err != nil {
		tb.T.Fatalf("waiting for %s: %v", expr, err)
	}
}

// WaitAcrossLoads waits until the expression is true, while the page may
// load again, a minute at most. It asks the page shown at each moment,
// from here, every 20 ms: a poll inside the page (as WaitFor does) would
// end with its page, and a page that goes into the back-forward cache
// does not end but freezes, so a poll in it neither answers nor fails;
// and chromedp starts no poll in a page restored from that cache (it
// waits for a document it is never told of). Each question is cut off
// after a few seconds for the same reason.
func (tb *Tab) WaitAcrossLoads(expr string) {
	tb.T.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(tb.Ctx, 3*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if tb.Ctx.Err() != nil || time.Now().After(deadline) {
			if err == nil {
				err = errors.New("still false after a minute")
			}
			tb.T.Fatalf("waiting for %s: %v", expr, err)
		}
		<-tick.C
	}
}

// Navigate opens a page and waits for it to load.
func (tb *Tab) Navigate(u string) {
	tb.T.Helper()
	tb.Do(chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS("body")))
	tb.WaitFor(`document.readyState === "complete"`)
}

// Loads runs an action that makes the tab load a page, and waits for it,
// a minute at most.
func (tb *Tab) Loads(trigger chromedp.Action[chromedp.Void]) {
	tb.T.Helper()
	ctx, cancel := context.WithTimeout(tb.Ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, trigger)); err != nil {
		tb.T.Fatalf("waiting for a page to load (at %s): %v", tb.Eval("location.href"), err)
	}
}

// SetColorScheme makes the system prefer a light or a dark scheme, and
// reduced motion: no test waits for an animation.
func (tb *Tab) SetColorScheme(scheme string) {
	tb.T.Helper()
	_, err := chromedp.Call(tb.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: scheme},
			{Name: "prefers-reduced-motion", Value: "reduce"},
		},
	})
	if err != nil {
		tb.T.Fatal(err)
	}
}

// Screenshot photographs what the tab shows, as PNG.
func (tb *Tab) Screenshot() []byte {
	tb.T.Helper()
	png, err := chromedp.Run(tb.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.T.Fatal(err)
	}
	return png
}

// GrantClipboard lets the pages of the site at base read and write the
// clipboard, as a reader's click on a copy button does. The clipboard is
// the browser's, one for all its tabs: tests that use it must not run in
// parallel.
func (tb *Tab) GrantClipboard(base string) {
	tb.T.Helper()
	origin := strings.TrimSuffix(base, "/")
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tb.Ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		})
		if err != nil {
			tb.T.Fatal(err)
		}
	}
	if _, err := chromedp.Call(tb.Ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		tb.T.Fatal(err)
	}
}
