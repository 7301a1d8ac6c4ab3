package tfval

import (
	"context"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// As reads a known object into target, a pointer to a struct whose fields
// are attr.Values tagged tfsdk: the object's attribute values as they are,
// as the framework's As gives them, without its conversion of the object to
// a raw value and back. Anything else (a null or unknown object, a struct
// whose fields are not the attributes' value types) goes to the framework's
// As, with its answer and errors.
func As(ctx context.Context, o types.Object, target any) diag.Diagnostics {
	rv := reflect.ValueOf(target)
	if o.IsNull() || o.IsUnknown() || rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return o.As(ctx, target, basetypes.ObjectAsOptions{})
	}
	attrs := o.Attributes()
	fields, ok := structFields(rv.Elem().Type())
	if !ok || len(fields) != len(attrs) {
		return o.As(ctx, target, basetypes.ObjectAsOptions{})
	}
	for name, i := range fields {
		v, found := attrs[name]
		if !found || v == nil || reflect.TypeOf(v) != rv.Elem().Field(i).Type() {
			return o.As(ctx, target, basetypes.ObjectAsOptions{})
		}
	}
	for name, i := range fields {
		rv.Elem().Field(i).Set(reflect.ValueOf(attrs[name]))
	}
	return nil
}

// ObjectFrom is the object of type attrTypes whose attributes are the
// fields of v, a struct whose fields are attr.Values tagged tfsdk, as the
// framework's types.ObjectValueFrom makes it (a field's value of another
// type is the same error). Other structs go to ObjectValueFrom.
func ObjectFrom(ctx context.Context, attrTypes map[string]attr.Type, v any) (types.Object, diag.Diagnostics) {
	rv := reflect.ValueOf(v)
	fields, ok := map[string]int(nil), false
	if rv.Kind() == reflect.Struct {
		fields, ok = structFields(rv.Type())
	}
	if !ok {
		return types.ObjectValueFrom(ctx, attrTypes, v)
	}
	attrs := make(map[string]attr.Value, len(fields))
	for name, i := range fields {
		av, isValue := rv.Field(i).Interface().(attr.Value)
		if !isValue {
			return types.ObjectValueFrom(ctx, attrTypes, v)
		}
		attrs[name] = av
	}
	return types.ObjectValue(attrTypes, attrs)
}

var structFieldsCache sync.Map // reflect.Type → map[string]int (nil: not such a struct)

// structFields maps the tfsdk tags of a struct whose fields are all
// attr.Values to the fields' indexes; ok is false for other structs.
func structFields(t reflect.Type) (map[string]int, bool) {
	if cached, found := structFieldsCache.Load(t); found {
		fields, _ := cached.(map[string]int)
		return fields, fields != nil
	}
	valueType := reflect.TypeFor[attr.Value]()
	fields := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("tfsdk")
		if name == "" || name == "-" || !f.IsExported() || !f.Type.Implements(valueType) || f.Type.Kind() == reflect.Interface {
			fields = nil
			break
		}
		fields[name] = i
	}
	structFieldsCache.Store(t, fields)
	return fields, fields != nil
}
