package registry

import (
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/mlopsprovider/terraform-provider-mlops/internal/validate"
)

// idAttribute is a resource's computed id, described by its format (such
// as "`<model_name>@<alias>`.").
func idAttribute(format string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: format,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// modelNameAttribute is the model_name of an object that belongs to one
// registered model, such as "the alias": changing it replaces the object.
func modelNameAttribute(object string) schema.StringAttribute {
	return schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "Name of the registered model. Changing it replaces " + object + ".",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		Validators:          []validator.String{validate.ModelName()},
	}
}
