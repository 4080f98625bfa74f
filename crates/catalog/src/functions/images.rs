//! The images functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "createImage",
        title: "Create image",
        category: Category::Images,
        summary: "Import an image from a public URL into the vendor's image library.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: false,
        spec_method: HttpMethod::Post,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("data", Ty::Object(&[
                Param::req("name", Ty::String, "Image name (max 63 chars)"),
                Param::req("image-url", Ty::String, "Public URL Digistore24 downloads the image from (note the hyphen in the name)"),
                Param::opt("usage_type", Ty::String, "Image usage type, e.g. product (values in getGlobalSettings)"),
                Param::opt("alt_tag", Ty::String, "Alternative (alt) text of the image"),
            ]), "Image properties (data[name], data[image-url], data[usage_type], data[alt_tag])"),
        ],
    },
    Function {
        name: "deleteImage",
        title: "Delete image",
        category: Category::Images,
        summary: "Delete an image from the library.",
        access: Access::Full,
        effect: Effect::Destructive,
        idempotent: true,
        spec_method: HttpMethod::Delete,
        operation_id: None,
        hosted: false,
        in_spec: true,
        params: &[
            Param::req("image_id", Ty::Integer, "Image ID to delete"),
        ],
    },
    Function {
        name: "getImage",
        title: "Get image",
        category: Category::Images,
        summary: "Read one image's URL, type and properties.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("image_id", Ty::String, "Alphanumeric image ID (e.g. 05CZEP6G)"),
        ],
    },
    Function {
        name: "listImages",
        title: "List images",
        category: Category::Images,
        summary: "List images of a given usage type.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listImages"),
        hosted: true,
        in_spec: true,
        params: &[
            Param::req("usage_type", Ty::String, "Image usage type to list, e.g. product"),
        ],
    },
];
