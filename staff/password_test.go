package staff

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHashes(t *testing.T) {
	h := HashPassword("een goed wachtwoord", cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "wachtwoord") {
		t.Fatalf("hash %q", h)
	}
	if again := HashPassword("een goed wachtwoord", cheap); again == h {
		t.Fatal("two hashes of one password are the same: no salt")
	}
	if ok, rehash := PasswordMatches(h, "een goed wachtwoord", cheap); !ok || rehash {
		t.Fatalf("the right password: %v %v", ok, rehash)
	}
	if ok, _ := PasswordMatches(h, "een goed wachtwoorD", cheap); ok {
		t.Fatal("a wrong password matches")
	}
	if ok, rehash := PasswordMatches(h, "een goed wachtwoord", Argon2Params{Memory: 128, Time: 1, Threads: 1}); !ok || !rehash {
		t.Fatalf("at new parameters: %v %v, want a match to be hashed again", ok, rehash)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=64,t=99,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, _ := PasswordMatches(bad, "x", cheap); ok {
			t.Errorf("hash %q matches", bad)
		}
	}
	if ok, _ := PasswordMatches(h, strings.Repeat("x", MaxPasswordLength+1), cheap); ok {
		t.Error("an overlong password matches")
	}
}

func TestNewPasswordRules(t *testing.T) {
	for pw, want := range map[string]string{
		"kort":                          "staff.password.too_short",
		strings.Repeat("a", 201):        "staff.password.too_long",
		"buurtloket123456":              "staff.password.guessable",
		"anna@woonplus.nl":              "staff.password.guessable",
		"drie lange woorden hier":       "",
		"ĳzer en staal, twaalf tekens!": "",
	} {
		if got := newPasswordProblem(pw, "anna@woonplus.nl"); got != want {
			t.Errorf("%q: %q, want %q", pw, got, want)
		}
	}
	if a, b := OneTimePassword(), OneTimePassword(); a == b || len(a) != 19 || newPasswordProblem(a, "") != "" {
		t.Errorf("one-time passwords %q %q", a, b)
	}
}

func TestTOTPCodesWorkOnce(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 17, 42, 0, time.UTC)
	code, _ := totpCode(secret, now)
	step := totpStep(secret, code, now, 0)
	if step != now.Unix()/30 {
		t.Fatalf("step %d", step)
	}
	if totpStep(secret, code, now, step) != 0 {
		t.Fatal("a code works twice")
	}
	if totpStep(secret, code, now.Add(30*time.Second), 0) == 0 {
		t.Fatal("a code of the step before does not work (clocks differ a little)")
	}
	if totpStep(secret, code, now.Add(2*time.Minute), 0) != 0 {
		t.Fatal("a code two minutes old works")
	}
	if totpStep(secret, "12345", now, 0) != 0 || totpStep(secret, "abcdef", now, 0) != 0 {
		t.Fatal("a malformed code works")
	}
	codes, hashes := recoveryCodes(10)
	rest, ok := useRecovery(hashes, " "+strings.ToUpper(codes[3])+" ")
	if !ok || len(rest) != 9 {
		t.Fatalf("a recovery code: %v, %d left", ok, len(rest))
	}
	if _, ok := useRecovery(rest, codes[3]); ok {
		t.Fatal("a recovery code works twice")
	}
	if len(hashes) != 10 {
		t.Fatal("using a code changed the list it came from")
	}
}
