package actions_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/testinfra/acctest"
)

// The actions' documentation is written by hand (templates/actions/*.md,
// copied to docs/actions/ by scripts/generate-docs.sh), because tfplugindocs
// reads schemas through `terraform providers schema -json` and Terraform
// 1.5.7 reports no actions. This test keeps it honest: each page holds its
// action's schema section as tfplugindocs would write it, and its example is
// examples/actions/<type>/action.tf as committed.
func TestActionDocs(t *testing.T) {
	root, err := acctest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := newServer(t)
	for typeName, s := range p.schemas.ActionSchemas {
		short := strings.TrimPrefix(typeName, "mlops_")
		for _, page := range []string{filepath.Join("templates", "actions", short+".md"), filepath.Join("docs", "actions", short+".md")} {
			doc, err := os.ReadFile(filepath.Join(root, page))
			if err != nil {
				t.Errorf("%s has no page: %v", typeName, err)
				continue
			}
			if want := schemaSection(s.Schema.Block); !strings.Contains(string(doc), want) {
				t.Errorf("%s does not hold the schema of %s; want:\n%s", page, typeName, want)
			}
			if want := "# " + typeName + " (Action)\n\n" + s.Schema.Block.Description + "\n"; !strings.Contains(string(doc), want) {
				t.Errorf("%s does not start with the action's description; want:\n%s", page, want)
			}
			example, err := os.ReadFile(filepath.Join(root, "examples", "actions", typeName, "action.tf"))
			if err != nil {
				t.Errorf("%s has no example: %v", typeName, err)
				continue
			}
			if want := "```terraform\n" + string(example) + "```\n"; !strings.Contains(string(doc), want) {
				t.Errorf("%s does not hold examples/actions/%s/action.tf as committed", page, typeName)
			}
		}
	}
}

// schemaSection writes a block's attributes as tfplugindocs does (the
// actions have no nested attributes or blocks).
func schemaSection(b *tfprotov6.SchemaBlock) string {
	var required, optional []string
	for _, a := range b.Attributes {
		line := fmt.Sprintf("- `%s` (%s) %s", a.Name, typeName(a.Type), a.Description)
		if a.Required {
			required = append(required, line)
		} else {
			optional = append(optional, line)
		}
	}
	sort.Strings(required)
	sort.Strings(optional)
	out := "## Schema\n"
	if len(required) > 0 {
		out += "\n### Required\n\n" + strings.Join(required, "\n") + "\n"
	}
	if len(optional) > 0 {
		out += "\n### Optional\n\n" + strings.Join(optional, "\n") + "\n"
	}
	return out
}

func typeName(t tftypes.Type) string {
	switch {
	case t.Is(tftypes.String):
		return "String"
	case t.Is(tftypes.Bool):
		return "Boolean"
	case t.Is(tftypes.Number):
		return "Number"
	case t.Is(tftypes.Map{}):
		return "Map of " + typeName(t.(tftypes.Map).ElementType)
	}
	return t.String()
}
