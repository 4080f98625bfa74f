//! Test payments: the key that unlocks test orders on checkout URLs.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "testing",
    description: "Test payments: the key that unlocks test orders on checkout URLs.",
    default_on: false,
    functions: &[
        Function::read(&TOOLSET, "getTestpayKey", "Get (or rotate) the account-level GET parameter that unlocks test payments on checkout URLs.")
            .method(HttpMethod::Post)
            .beyond_spec()
            .params(&[
                Param::opt("do_recreate", Ty::Boolean, "Issue a new key, invalidating the old").mutating(),
            ]),
    ],
};
