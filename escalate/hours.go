package escalate

import (
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

// Hours are a collection's business hours: when a hand-off can reach a
// person at once. Outside them a hand-off becomes a message the team
// answers later. In the policy file:
//
//	hours:
//	  timezone: Asia/Shanghai
//	  week: {mon: "09:00-18:00", tue: "09:00-18:00", sat: "10:00-16:00"}
//
// A day not named is closed; no week at all means always open.
type Hours struct {
	Timezone string            `yaml:"timezone" json:"timezone,omitempty"`
	Week     map[string]string `yaml:"week" json:"week,omitempty"`
}

var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Open reports whether t falls within the business hours.
func (h Hours) Open(t time.Time) bool {
	if len(h.Week) == 0 {
		return true
	}
	loc, err := time.LoadLocation(h.Timezone)
	if err != nil {
		loc = time.UTC // Validate rejects bad zones; this is belt and braces
	}
	t = t.In(loc)
	span, ok := h.Week[weekdays[t.Weekday()]]
	if !ok {
		return false
	}
	from, to, err := parseSpan(span)
	if err != nil {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	return m >= from && m < to
}

// Validate reports a zone or span that cannot be read.
func (h Hours) Validate() error {
	if _, err := time.LoadLocation(h.Timezone); err != nil {
		return fmt.Errorf("hours: timezone %q: %v: %w", h.Timezone, err, kb.ErrInvalid)
	}
	for day, span := range h.Week {
		known := false
		for _, d := range weekdays {
			known = known || d == day
		}
		if !known {
			return fmt.Errorf("hours: day %q: want one of mon, tue, wed, thu, fri, sat, sun: %w", day, kb.ErrInvalid)
		}
		if _, _, err := parseSpan(span); err != nil {
			return fmt.Errorf("hours: %s: %w", day, err)
		}
	}
	return nil
}

// parseSpan reads "09:00-18:00" as minutes since midnight; "24:00" ends a day.
func parseSpan(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if ok {
		from, err = parseClock(a)
		if err == nil {
			to, err = parseClock(b)
		}
	}
	if !ok || err != nil || from >= to {
		return 0, 0, fmt.Errorf("span %q: want HH:MM-HH:MM with the start before the end: %w", s, kb.ErrInvalid)
	}
	return from, to, nil
}

func parseClock(s string) (int, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); n != 2 || err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, kb.ErrInvalid
	}
	return h*60 + m, nil
}
