package tfval

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Codec reads and writes a whole resource model, a struct whose fields are
// each the value type of one attribute of the schema (tagged tfsdk), from
// and to the raw value of a state or plan. The framework's Get and Set do
// the same through its reflection, which rebuilds the schema's whole type
// (every nested attribute, set or not) and converts each attribute's type
// again for every call; a Codec builds the type once and converts each
// attribute with its own type. The values are the framework's: each
// attribute is read by its type's ValueFromTerraform and written by its
// value's ToTerraformValue, as the framework does. As with the framework's
// reflection, an embedded struct without a tfsdk tag holds attributes too.
type Codec[M any] struct {
	tfType tftypes.Object
	fields []codecField
	byName map[string]codecField
}

type codecField struct {
	name  string
	index []int // of the field in the model, through embedded structs
	typ   attr.Type
}

// NewCodec returns the codec of model M for a schema whose type (the
// schema's Type()) is schemaType. It panics when M does not have exactly one
// field of the attribute's value type for each attribute: a programming
// error, which the resource's tests catch at once.
func NewCodec[M any](ctx context.Context, schemaType attr.Type) *Codec[M] {
	withAttrs, ok := schemaType.(attr.TypeWithAttributeTypes)
	if !ok {
		panic(fmt.Sprintf("tfval.NewCodec: %T is not an object type", schemaType))
	}
	tfType, ok := schemaType.TerraformType(ctx).(tftypes.Object)
	if !ok {
		panic(fmt.Sprintf("tfval.NewCodec: %T is not an object type", schemaType))
	}
	attrTypes := withAttrs.AttributeTypes()
	model := reflect.TypeFor[M]()
	c := &Codec[M]{tfType: tfType, byName: map[string]codecField{}}
	c.addFields(ctx, model, nil, attrTypes)
	if len(c.fields) != len(attrTypes) {
		panic(fmt.Sprintf("tfval.NewCodec: %s has %d fields for %d attributes", model, len(c.fields), len(attrTypes)))
	}
	return c
}

// addFields adds the fields of the struct type t, found at index in the
// model, descending into embedded structs that have no tfsdk tag.
func (c *Codec[M]) addFields(ctx context.Context, t reflect.Type, index []int, attrTypes map[string]attr.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		at := append(append([]int(nil), index...), i)
		name, tagged := f.Tag.Lookup("tfsdk")
		if f.Anonymous && !tagged && f.Type.Kind() == reflect.Struct {
			c.addFields(ctx, f.Type, at, attrTypes)
			continue
		}
		typ, ok := attrTypes[name]
		if !ok {
			panic(fmt.Sprintf("tfval.NewCodec: %s.%s (tfsdk:%q) is no attribute of the schema", t, f.Name, name))
		}
		if _, dup := c.byName[name]; dup {
			panic(fmt.Sprintf("tfval.NewCodec: %s.%s: a second field for the attribute %q", t, f.Name, name))
		}
		if want := reflect.TypeOf(typ.ValueType(ctx)); f.Type != want {
			panic(fmt.Sprintf("tfval.NewCodec: %s.%s is a %s, the attribute %q takes a %s", t, f.Name, f.Type, name, want))
		}
		c.fields = append(c.fields, codecField{name: name, index: at, typ: typ})
		c.byName[name] = c.fields[len(c.fields)-1]
	}
}

// Get reads raw, a known object of the schema's type, into m.
func (c *Codec[M]) Get(ctx context.Context, raw tftypes.Value, m *M) diag.Diagnostics {
	var d diag.Diagnostics
	var vals map[string]tftypes.Value
	if !raw.IsKnown() || raw.IsNull() || !raw.Type().Equal(c.tfType) {
		d.AddError("Value Conversion Error", fmt.Sprintf("An unexpected error was encountered trying to read the resource's data. "+
			"This is always an error in the provider. Please report the following to the provider developer:\n\nExpected a known object of the schema's type, got %s", raw))
		return d
	}
	if err := raw.As(&vals); err != nil {
		d.AddError("Value Conversion Error", "An unexpected error was encountered trying to read the resource's data. "+
			"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
		return d
	}
	target := reflect.ValueOf(m).Elem()
	for _, f := range c.fields {
		v, err := f.typ.ValueFromTerraform(ctx, vals[f.name])
		if err != nil {
			d.AddAttributeError(path.Root(f.name), "Value Conversion Error", "An unexpected error was encountered trying to convert the attribute. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
			continue
		}
		d.Append(validate(ctx, f.name, v)...)
		target.FieldByIndex(f.index).Set(reflect.ValueOf(v))
	}
	return d
}

// Value is m as a raw value of the schema's type.
func (c *Codec[M]) Value(ctx context.Context, m *M) (out tftypes.Value, d diag.Diagnostics) {
	source := reflect.ValueOf(m).Elem()
	vals := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		v, _ := source.FieldByIndex(f.index).Interface().(attr.Value)
		d.Append(validate(ctx, f.name, v)...)
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			d.AddAttributeError(path.Root(f.name), "Value Conversion Error", "An unexpected error was encountered trying to convert the attribute. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
			continue
		}
		vals[f.name] = tv
	}
	if d.HasError() {
		return out, d
	}
	// NewValue panics on a value whose type is not the schema's: report
	// it as the framework's Set would, an error of the provider.
	defer func() {
		if r := recover(); r != nil {
			d.AddError("Value Conversion Error", fmt.Sprintf("An unexpected error was encountered trying to write the resource's data. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\n%v", r))
		}
	}()
	return tftypes.NewValue(c.tfType, vals), d
}

// Equal tells whether every attribute of a equals b's.
func (c *Codec[M]) Equal(a, b *M) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for _, f := range c.fields {
		x, _ := va.FieldByIndex(f.index).Interface().(attr.Value)
		y, _ := vb.FieldByIndex(f.index).Interface().(attr.Value)
		if !x.Equal(y) {
			return false
		}
	}
	return true
}

// Update writes m into *raw, the raw value that before was read from (a
// response's state or plan, which starts as the request's), unless m
// equals before: then *raw holds m already.
func (c *Codec[M]) Update(ctx context.Context, before, m *M, raw *tftypes.Value) diag.Diagnostics {
	if c.Equal(before, m) {
		return nil
	}
	v, d := c.Value(ctx, m)
	if !d.HasError() {
		*raw = v
	}
	return d
}

// validate runs a value's own validation, as the framework's reflection
// does for values that have one.
func validate(ctx context.Context, name string, v attr.Value) diag.Diagnostics {
	if t, ok := v.(xattr.ValidateableAttribute); ok {
		var resp xattr.ValidateAttributeResponse
		t.ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root(name)}, &resp)
		return resp.Diagnostics
	}
	return nil
}

// Getter reads raw into the model the way tfsdk.State's and tfsdk.Plan's Get
// do, for conns.Begin: target is a *M.
func (c *Codec[M]) Getter(raw tftypes.Value) func(context.Context, any) diag.Diagnostics {
	return func(ctx context.Context, target any) diag.Diagnostics {
		m, ok := target.(*M)
		if !ok {
			var d diag.Diagnostics
			d.AddError("Value Conversion Error", fmt.Sprintf("tfval.Codec: %T is not the codec's model", target))
			return d
		}
		return c.Get(ctx, raw, m)
	}
}

// GetAttribute reads the top-level attribute name of raw (a state, plan or
// configuration of the schema) into target, a pointer to the attribute's
// value type, as tfsdk's GetAttribute(ctx, path.Root(name), target) reads
// it: null when raw is null or unknown. Only that
// attribute is converted, with no walk of the schema.
func (c *Codec[M]) GetAttribute(ctx context.Context, raw tftypes.Value, name string, target any) diag.Diagnostics {
	var d diag.Diagnostics
	f, ok := c.byName[name]
	to := reflect.ValueOf(target)
	if !ok || to.Kind() != reflect.Pointer || to.Elem().Type() != reflect.TypeOf(f.typ.ValueType(ctx)) {
		d.AddAttributeError(path.Root(name), "Value Conversion Error", fmt.Sprintf("An unexpected error was encountered trying to read an attribute. "+
			"This is always an error in the provider. Please report the following to the provider developer:\n\ntfval.Codec: no attribute %q of type %T", name, target))
		return d
	}
	var at tftypes.Value
	switch {
	case raw.IsNull() || !raw.IsKnown():
		at = tftypes.NewValue(f.typ.TerraformType(ctx), nil)
	default:
		var vals map[string]tftypes.Value
		if err := raw.As(&vals); err != nil {
			d.AddAttributeError(path.Root(name), "Value Conversion Error", "An unexpected error was encountered trying to read an attribute. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
			return d
		}
		if at, ok = vals[name]; !ok {
			d.AddAttributeError(path.Root(name), "Value Conversion Error", "An unexpected error was encountered trying to read an attribute. "+
				"This is always an error in the provider. Please report the following to the provider developer:\n\nthe value has no attribute "+name)
			return d
		}
	}
	v, err := f.typ.ValueFromTerraform(ctx, at)
	if err != nil {
		d.AddAttributeError(path.Root(name), "Value Conversion Error", "An unexpected error was encountered trying to convert the attribute. "+
			"This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
		return d
	}
	d.Append(validate(ctx, name, v)...)
	to.Elem().Set(reflect.ValueOf(v))
	return d
}

// ResourceCodec returns the function that gives the codec of model M for
// r's schema, made on its first call.
func ResourceCodec[M any](r resource.Resource) func() *Codec[M] {
	return sync.OnceValue(func() *Codec[M] {
		ctx := context.Background()
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		if resp.Diagnostics.HasError() {
			panic(fmt.Sprintf("tfval.ResourceCodec: the schema of %T: %v", r, resp.Diagnostics))
		}
		return NewCodec[M](ctx, resp.Schema.Type())
	})
}
