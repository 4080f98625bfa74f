//! The image library: import, read, list and delete images.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "images",
    description: "The image library: import, read, list and delete images.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createImage",
            "Import an image from a public URL into the vendor's image library.",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::req("name", Ty::String, "Image name (max 63 chars)"),
                Param::req(
                    "image-url",
                    Ty::String,
                    "Public URL Digistore24 downloads the image from (note the hyphen in the name)",
                ),
                Param::opt(
                    "usage_type",
                    Ty::String,
                    "Image usage type, e.g. product (values in getGlobalSettings)",
                ),
                Param::opt("alt_tag", Ty::String, "Alternative (alt) text of the image"),
            ]),
            "Image properties (data[name], data[image-url], data[usage_type], data[alt_tag])",
        )]),
        Function::destructive(&TOOLSET, "deleteImage", "Delete an image from the library.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("image_id", Ty::Integer, "Image ID to delete")]),
        Function::read(
            &TOOLSET,
            "getImage",
            "Read one image's URL, type and properties.",
        )
        .hosted()
        .params(&[Param::req(
            "image_id",
            Ty::String,
            "Alphanumeric image ID (e.g. 05CZEP6G)",
        )]),
        Function::read(&TOOLSET, "listImages", "List images of a given usage type.")
            .operation_id("listImages")
            .hosted()
            .params(&[Param::req(
                "usage_type",
                Ty::String,
                "Image usage type to list, e.g. product",
            )]),
    ],
};
