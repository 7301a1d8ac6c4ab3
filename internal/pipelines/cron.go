package pipelines

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // timezones resolve even on machines without a zone database

	"github.com/robfig/cron/v3"
)

// cronParser accepts what Argo's CronWorkflow accepts: five fields, or a
// descriptor such as @daily.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// CronProblem returns why expr is not a valid schedule, or "".
func CronProblem(expr string) string {
	e := strings.TrimSpace(expr)
	if e == "" {
		return "the schedule is empty"
	}
	if strings.HasPrefix(e, "TZ=") || strings.HasPrefix(e, "CRON_TZ=") {
		return fmt.Sprintf("%q sets its time zone inline: use schedule.timezone instead", expr)
	}
	if e != expr {
		if _, err := cronParser.Parse(expr); err != nil {
			// Argo parses the schedule as written.
			return fmt.Sprintf("%q has white space around it, which Argo refuses: write %q", expr, e)
		}
	}
	if _, err := cronParser.Parse(e); err != nil {
		return fmt.Sprintf("%q is not a valid cron schedule (%v): use five fields, minute hour day-of-month month day-of-week, such as \"0 3 * * *\", or a descriptor such as \"@daily\"", expr, err)
	}
	return ""
}

// TimezoneProblem returns why tz is not an IANA time zone name, or "".
func TimezoneProblem(tz string) string {
	if tz == "" {
		return "the time zone is empty: leave timezone out for the controller's, or use an IANA name such as \"UTC\" or \"Europe/Paris\""
	}
	if strings.EqualFold(tz, "local") {
		return "\"Local\" depends on the controller's machine: use an IANA name such as \"UTC\" or \"Europe/Paris\""
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Sprintf("%q is not an IANA time zone name: use one such as \"UTC\", \"America/New_York\" or \"Europe/Paris\"", tz)
	}
	return ""
}

// stepTimeoutProblem returns why d cannot be a step's timeout, or "": it
// becomes whole seconds of activeDeadlineSeconds, which Kubernetes wants at
// least 1 (under half a second would round to 0).
func stepTimeoutProblem(d string) string {
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 {
		return "" // the duration validator reports it
	}
	if dur.Round(time.Second) < time.Second {
		return fmt.Sprintf("%q rounds to 0 whole seconds, and a step's deadline (activeDeadlineSeconds) must be at least 1 second: give \"1s\" or more", d)
	}
	return ""
}
