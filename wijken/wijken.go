// Package wijken maps postcodes to neighbourhoods (wijken), so that a
// request from the phone page or the bot lands with the right neighbourhood
// team. The table is a small CSV file that an operator can replace; the
// shipped one covers Schiedam (see schiedam.csv for its status).
package wijken

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
)

//go:embed schiedam.csv
var schiedam []byte

// Table maps the four digits of a postcode to a neighbourhood.
type Table struct {
	byPC4 map[string]string
	names []string
}

// Schiedam returns the shipped table.
func Schiedam() *Table {
	t, err := Parse(bytes.NewReader(schiedam))
	if err != nil {
		panic("the shipped wijken table is broken: " + err.Error())
	}
	return t
}

// Parse reads a table: one "pc4,wijk" per line; # starts a comment. Every
// problem is reported with its line number.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{byPC4: map[string]string{}}
	seen := map[string]bool{}
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pc, wijk, ok := strings.Cut(line, ",")
		pc, wijk = strings.TrimSpace(pc), strings.TrimSpace(wijk)
		if !ok || len(pc) != 4 || strings.Trim(pc, "0123456789") != "" || pc[0] == '0' {
			return nil, fmt.Errorf("line %d: want four digits, a comma and a neighbourhood, such as 3111,Centrum", n)
		}
		if wijk == "" || len(wijk) > 100 {
			return nil, fmt.Errorf("line %d: the neighbourhood's name is empty or too long", n)
		}
		if _, dup := t.byPC4[pc]; dup {
			return nil, fmt.Errorf("line %d: postcode %s appears twice", n, pc)
		}
		t.byPC4[pc] = wijk
		if !seen[wijk] {
			seen[wijk] = true
			t.names = append(t.names, wijk)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.byPC4) == 0 {
		return nil, fmt.Errorf("the table is empty")
	}
	return t, nil
}

// Lookup returns the neighbourhood of a postcode ("3117 AB" or "3117"), or
// "" when the postcode is not in the table.
func (t *Table) Lookup(postcode string) string {
	postcode = strings.TrimSpace(postcode)
	if len(postcode) < 4 {
		return ""
	}
	return t.byPC4[postcode[:4]]
}

// Names lists the neighbourhoods in the order the table first names them.
func (t *Table) Names() []string { return t.names }
