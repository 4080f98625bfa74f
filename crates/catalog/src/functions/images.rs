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
            "Import an image from a public URL.",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::req("name", Ty::String, "").max_len(63),
                Param::req("image-url", Ty::String, "").format(Format::Uri),
                Param::opt("usage_type", Ty::String, ""),
                Param::opt("alt_tag", Ty::String, ""),
            ]),
            "Image",
        )]),
        Function::destructive(&TOOLSET, "deleteImage", "Delete an image from the library.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("image_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "getImage",
            "One image's URL, type and properties.",
        )
        .hosted()
        .params(&[Param::req("image_id", Ty::String, "")]),
        Function::read(&TOOLSET, "listImages", "Images of a usage type.")
            .operation_id("listImages")
            .hosted()
            .params(&[Param::req("usage_type", Ty::String, "")]),
    ],
};
