package kiosk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"buurtloket"
)

// TestPairOnce: a pairing link works once. The browser that opens it gets
// a device token in its cookie, not the link's; the link then pairs no
// other browser; a new link pairs a new device and ends the old one.
func TestPairOnce(t *testing.T) {
	cfg, store := testConfig(t)
	web := New(cfg)
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(func() { srv.Close(); web.Close(); store.Close() })
	ctx := context.Background()

	// do sends req as a browser whose kiosk cookie is device ("" for
	// none), without following redirects.
	do := func(req *http.Request, device string) *http.Response {
		t.Helper()
		if device != "" {
			req.AddCookie(&http.Cookie{Name: kioskCookie, Value: device})
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	get := func(path, device string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		return do(req, device)
	}
	// post presses the pairing page's button for link, as that browser.
	post := func(link, device string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/kiosk/pair", strings.NewReader(url.Values{"token": {link}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", srv.URL)
		return do(req, device)
	}
	cookie := func(resp *http.Response) *http.Cookie {
		for _, c := range resp.Cookies() {
			if c.Name == kioskCookie {
				return c
			}
		}
		return nil
	}
	pairs := func(link string) string {
		t.Helper()
		// Opening the link only asks; pressing the button pairs.
		if resp := get("/kiosk/pair?token="+link, ""); resp.StatusCode != http.StatusOK || cookie(resp) != nil {
			t.Fatalf("the pairing page: %s, cookie %v", resp.Status, cookie(resp))
		}
		resp := post(link, "")
		c := cookie(resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/kiosk/" || c == nil {
			t.Fatalf("pairing: %s to %q, cookie %v", resp.Status, resp.Header.Get("Location"), c)
		}
		if c.Value == link || !c.HttpOnly || c.Path != "/kiosk/" || c.SameSite != http.SameSiteStrictMode {
			t.Fatalf("the kiosk cookie: %+v", c)
		}
		return c.Value
	}

	k, link, err := store.AddKiosk(ctx, "Buurthuis De Erker", "Oost")
	if err != nil {
		t.Fatal(err)
	}
	device := pairs(link)
	if got, err := store.KioskByToken(ctx, device); err != nil || got.ID != k.ID {
		t.Fatalf("the cookie's token: %v", err)
	}
	if resp := get("/kiosk/", device); resp.StatusCode != http.StatusOK {
		t.Fatalf("the paired kiosk's page: %s", resp.Status)
	}
	// The link works once: another browser is not paired with it.
	if resp := post(link, ""); resp.StatusCode != http.StatusForbidden || cookie(resp) != nil {
		t.Fatalf("a used link in another browser: %s, cookie %v", resp.Status, cookie(resp))
	}
	// The kiosk that used it may open it again (a bookmark): still paired.
	if resp := get("/kiosk/pair?token="+link, device); resp.StatusCode != http.StatusSeeOther || cookie(resp) != nil {
		t.Fatalf("a used link on its own kiosk: %s, cookie %v", resp.Status, cookie(resp))
	}
	if resp := get("/kiosk/", device); resp.StatusCode != http.StatusOK {
		t.Fatalf("the kiosk after opening its link again: %s", resp.Status)
	}
	// Nor does a link token stand in for a device token.
	if resp := get("/kiosk/", link); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the link token as a cookie: %s", resp.Status)
	}
	// A new link pairs a new device, and the old one is no longer paired.
	second, err := store.NewKioskLink(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if resp := get("/kiosk/", device); resp.StatusCode != http.StatusOK {
		t.Fatalf("the kiosk before the new link is used: %s", resp.Status)
	}
	replacement := pairs(second)
	if resp := get("/kiosk/", device); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the replaced device: %s", resp.Status)
	}
	if resp := get("/kiosk/", replacement); resp.StatusCode != http.StatusOK {
		t.Fatalf("the new device: %s", resp.Status)
	}
	// The button works only on this server's own page.
	req, _ := http.NewRequest("POST", srv.URL+"/kiosk/pair", strings.NewReader("token="+second))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a pairing posted from another site: %v %v", err, resp)
	}
	for _, bad := range []string{"", "nonsense", strings.Repeat("a", 200)} {
		if resp := get("/kiosk/pair?token="+bad, ""); resp.StatusCode != http.StatusForbidden || cookie(resp) != nil {
			t.Errorf("token %.10q: %s", bad, resp.Status)
		}
	}
	if _, err := store.KioskByToken(ctx, link); buurtloket.ErrorCode(err) != buurtloket.ENOTFOUND {
		t.Fatalf("the spent link in the store: %v", err)
	}
}

// TestPairAgainWhileTheStoreFails: a kiosk that opens its spent link again
// while the store cannot say whether it is paired gets "one moment", not
// "not paired".
func TestPairAgainWhileTheStoreFails(t *testing.T) {
	failing := &kioskOutage{}
	env := newEnvWith(t, func(c *Config) {
		failing.RequestStore = c.Store
		c.Store = failing
	})
	_, link := env.pair(t, "Oost")
	failing.down.Store(true)
	if resp := env.page(t, "/kiosk/pair?token="+link); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a spent link while the store fails: %s", resp.Status)
	}
	failing.down.Store(false)
	if resp := env.page(t, "/kiosk/pair?token="+link); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/kiosk/" {
		t.Fatalf("a spent link on its own kiosk: %s at %s", resp.Status, resp.Request.URL)
	}
}
