package serving

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A timeout keeps the spelling of the configuration when it is the same
// length ("2m" stays "2m"); otherwise, and on import, it is in seconds.
func TestFlattenSeconds(t *testing.T) {
	secs := int64(120)
	for _, c := range []struct {
		prior types.String
		want  string
	}{
		{types.StringValue("2m"), "2m"},
		{types.StringValue("120s"), "120s"},
		{types.StringValue("1m"), "120s"},
		{types.StringNull(), "120s"},
	} {
		if got := flattenSeconds(&secs, c.prior); got.ValueString() != c.want {
			t.Errorf("prior %s: got %s, want %s", c.prior, got, c.want)
		}
	}
	if got := flattenSeconds(nil, types.StringValue("2m")); !got.IsNull() {
		t.Errorf("no live timeout: got %s, want null", got)
	}
}
