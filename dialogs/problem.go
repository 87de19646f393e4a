package dialogs

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with flow or message files, at a place a content
// editor can find: printed as "file:line: message".
type Problem struct {
	File    string
	Line    int
	Message string
	Warning bool // a warning does not stop the content from loading
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is the list a load or check produces, in file and line order.
type Problems []Problem

func (ps *Problems) errorf(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *Problems) warnf(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...), Warning: true})
}

// Errors counts the problems that are not warnings.
func (ps Problems) Errors() int {
	n := 0
	for _, p := range ps {
		if !p.Warning {
			n++
		}
	}
	return n
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

// Error makes Problems usable as an error: the first few errors, one a line.
func (ps Problems) Error() string {
	var lines []string
	for _, p := range ps {
		if p.Warning {
			continue
		}
		if len(lines) == 10 {
			lines = append(lines, fmt.Sprintf("(and %d more)", ps.Errors()-10))
			break
		}
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}
