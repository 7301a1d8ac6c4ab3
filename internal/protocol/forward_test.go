package protocol

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/provider"
)

// The wrapper hides no RPC of the framework's server: tf6server serves an
// optional RPC (actions, list resources, state stores) only when the served
// value has it, so a method the framework's server has and the wrapper's
// type lacks would answer Terraform with "Not Implemented". This fails when
// a new framework version adds such a method: add its interface to
// frameworkServer.
func TestWrapperForwardsEveryMethod(t *testing.T) {
	inner, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := NewServer("test")()
	if err != nil {
		t.Fatal(err)
	}
	innerType, wrapperType := reflect.TypeOf(inner), reflect.TypeOf(wrapped)
	if innerType.NumMethod() == 0 {
		t.Fatalf("the framework's server (%s) has no methods", innerType)
	}

	// Every exported method, with the same signature (the receiver aside).
	for i := range innerType.NumMethod() {
		m := innerType.Method(i)
		if !m.IsExported() {
			continue
		}
		w, ok := wrapperType.MethodByName(m.Name)
		if !ok {
			t.Errorf("the framework's server (%s) has %s, the wrapper (%s) does not: tf6server would not serve it", innerType, m.Name, wrapperType)
			continue
		}
		if got, want := signature(w.Type), signature(m.Type); got != want {
			t.Errorf("%s: the wrapper's is %s, the framework's %s", m.Name, got, want)
		}
	}

	// Every interface of tfprotov6 that the framework's server implements
	// (the protocol's ProviderServer, the servers it is made of, and the
	// optional ones tf6server looks for), by name: InvokeActionEventType,
	// the package's only other interface, is an event, not a server.
	for _, iface := range []reflect.Type{
		reflect.TypeFor[tfprotov6.ProviderServer](),
		reflect.TypeFor[tfprotov6.ResourceServer](),
		reflect.TypeFor[tfprotov6.DataSourceServer](),
		reflect.TypeFor[tfprotov6.FunctionServer](),
		reflect.TypeFor[tfprotov6.EphemeralResourceServer](),
		reflect.TypeFor[tfprotov6.ListResourceServer](),
		reflect.TypeFor[tfprotov6.ActionServer](),
		reflect.TypeFor[tfprotov6.StateStoreServer](),
		reflect.TypeFor[tfprotov6.ProviderServerWithListResource](), //nolint:staticcheck // tf6server still asks for it
		reflect.TypeFor[tfprotov6.ProviderServerWithActions](),      //nolint:staticcheck // tf6server still asks for it
		reflect.TypeFor[tfprotov6.ProviderServerWithStateStores](),  //nolint:staticcheck // tf6server still asks for it
	} {
		if innerType.Implements(iface) && !wrapperType.Implements(iface) {
			t.Errorf("the framework's server implements tfprotov6.%s, the wrapper does not", iface.Name())
		}
	}
	// The framework serves actions (this provider has some): if it stopped
	// implementing them, the check above would pass without checking them.
	if !innerType.Implements(reflect.TypeFor[tfprotov6.ActionServer]()) {
		t.Errorf("the framework's server (%s) no longer implements tfprotov6.ActionServer", innerType)
	}
}

// signature is a method's type without its receiver.
func signature(f reflect.Type) string {
	s := "("
	for i := 1; i < f.NumIn(); i++ {
		if i > 1 {
			s += ", "
		}
		s += f.In(i).String()
	}
	s += ") ("
	for i := range f.NumOut() {
		if i > 0 {
			s += ", "
		}
		s += f.Out(i).String()
	}
	return s + ")"
}
