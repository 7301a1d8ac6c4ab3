package tfval

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type codecModel struct {
	Name types.String `tfsdk:"name"`
	Tags types.Map    `tfsdk:"tags"`
}

var codecType = types.ObjectType{AttrTypes: map[string]attr.Type{"name": types.StringType, "tags": types.MapType{ElemType: types.StringType}}}

// A model that is not the schema's is a programming error, found when the
// codec is made.
func TestNewCodecRefusesOtherModels(t *testing.T) {
	ctx := context.Background()
	for name, newCodec := range map[string]func(){
		"missing field": func() {
			NewCodec[struct {
				Name types.String `tfsdk:"name"`
			}](ctx, codecType)
		},
		"wrong type": func() {
			NewCodec[struct {
				Name types.String `tfsdk:"name"`
				Tags types.List   `tfsdk:"tags"`
			}](ctx, codecType)
		},
		"two fields for one attribute": func() {
			NewCodec[struct {
				Name types.String `tfsdk:"name"`
				codecModel
			}](ctx, codecType)
		},
		"unknown attribute": func() {
			NewCodec[struct {
				Name types.String `tfsdk:"name"`
				Tags types.Map    `tfsdk:"tags"`
				More types.String `tfsdk:"more"`
			}](ctx, codecType)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			newCodec()
		}()
	}
	NewCodec[codecModel](ctx, codecType)
}

// A value of another type is an error, as with the framework's Set, not a
// panic.
func TestCodecValueOfWrongType(t *testing.T) {
	ctx := context.Background()
	c := NewCodec[codecModel](ctx, codecType)
	m := codecModel{Name: types.StringValue("a"), Tags: types.MapNull(types.Int64Type)}
	if _, d := c.Value(ctx, &m); !d.HasError() || !strings.Contains(d[0].Detail(), "provider developer") {
		t.Fatalf("want an error, got %v", d)
	}
	m.Tags = types.MapNull(types.StringType)
	raw, d := c.Value(ctx, &m)
	if d.HasError() {
		t.Fatal(d)
	}
	var back codecModel
	if d := c.Get(ctx, raw, &back); d.HasError() || !c.Equal(&back, &m) {
		t.Fatalf("read back %+v (%v)", back, d)
	}
	if d := c.Get(ctx, tftypes.NewValue(codecType.TerraformType(ctx), nil), &back); !d.HasError() {
		t.Fatal("a null value read into a model")
	}
	var s types.Map
	if d := c.GetAttribute(ctx, raw, "name", &s); !d.HasError() {
		t.Fatal("a string read into a map")
	}
}

// Update leaves the raw value alone when the model did not change, and
// writes the model when it did.
func TestCodecUpdate(t *testing.T) {
	ctx := context.Background()
	c := NewCodec[codecModel](ctx, codecType)
	before := codecModel{Name: types.StringValue("a"), Tags: types.MapNull(types.StringType)}
	sentinel := tftypes.NewValue(tftypes.String, "untouched")
	raw := sentinel
	if d := c.Update(ctx, &before, &before, &raw); d.HasError() || !raw.Equal(sentinel) {
		t.Fatalf("unchanged model: raw %s (%v)", raw, d)
	}
	after := before
	after.Name = types.StringValue("b")
	if d := c.Update(ctx, &before, &after, &raw); d.HasError() {
		t.Fatal(d)
	}
	var back codecModel
	if d := c.Get(ctx, raw, &back); d.HasError() || back.Name.ValueString() != "b" {
		t.Fatalf("changed model: read back %+v (%v)", back, d)
	}
}

type codecTags struct {
	Tags types.Map `tfsdk:"tags"`
}

// An embedded struct without a tag holds attributes, as with the
// framework's reflection.
func TestCodecEmbeddedStruct(t *testing.T) {
	ctx := context.Background()
	type embedding struct {
		Name types.String `tfsdk:"name"`
		codecTags
	}
	c := NewCodec[embedding](ctx, codecType)
	m := embedding{Name: types.StringValue("a"), codecTags: codecTags{Tags: types.MapValueMust(types.StringType, map[string]attr.Value{"k": types.StringValue("v")})}}
	raw, d := c.Value(ctx, &m)
	if d.HasError() {
		t.Fatal(d)
	}
	want := tftypes.NewValue(codecType.TerraformType(ctx), map[string]tftypes.Value{
		"name": tftypes.NewValue(tftypes.String, "a"),
		"tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"k": tftypes.NewValue(tftypes.String, "v")}),
	})
	if !raw.Equal(want) {
		t.Fatalf("value %s, want %s", raw, want)
	}
	var back embedding
	if d := c.Get(ctx, raw, &back); d.HasError() || !c.Equal(&back, &m) || back.Tags.Elements()["k"] != types.StringValue("v") {
		t.Fatalf("read back %+v (%v)", back, d)
	}
	var tags types.Map
	if d := c.GetAttribute(ctx, raw, "tags", &tags); d.HasError() || !tags.Equal(m.Tags) {
		t.Fatalf("tags %s (%v)", tags, d)
	}
}
