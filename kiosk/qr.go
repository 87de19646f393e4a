package kiosk

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"rsc.io/qr"
)

// followURL is the phone page's address for following a request: the code
// goes along, the PIN never does (the resident types it).
func followURL(publicURL, ticket string) string {
	return strings.TrimSuffix(publicURL, "/") + "/?follow=" + url.QueryEscape(ticket)
}

// followLink is where the end screen's QR code leads for a ticket: the
// configured link (the Telegram bot), else the phone page; "" for none.
func (s *Server) followLink(ticket string) string {
	switch {
	case s.cfg.FollowLink != nil:
		return s.cfg.FollowLink(ticket)
	case s.cfg.PublicURL != "":
		return followURL(s.cfg.PublicURL, ticket)
	}
	return ""
}

// qrImage draws text as a QR code, as an SVG data URL the page can show as
// an image (never as markup). Medium error correction survives a scuffed
// screen protector.
func qrImage(text string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	const quiet = 4 // modules of white around, as scanners need
	var b strings.Builder
	n := code.Size + 2*quiet
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(b.String())), nil
}
