//! The testing functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "getTestpayKey",
    title: "Get test-pay key",
    category: Category::Testing,
    summary: "Get (or rotate) the account-level GET parameter that unlocks test payments on checkout URLs.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Post,
    operation_id: None,
    hosted: false,
    in_spec: false,
    params: &[Param::opt(
        "do_recreate",
        Ty::Boolean,
        "1/Y = issue a new key and invalidate the old one",
    )
    .mutating()],
}];
