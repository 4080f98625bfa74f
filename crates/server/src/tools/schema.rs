//! Catalog parameters → JSON Schema, flat and lean: no `$ref`, `$defs` or `$schema`, every
//! value typed, limits as keywords (`minimum`, `maximum`, `maxLength`, `format`, `default`),
//! free-form maps with typed values.

use ds24_catalog::{Param, Ty};
use serde_json::{Map, Value, json};

/// The input schema of a tool with these parameters. `read_only` leaves out parameters that
/// would make the call write.
pub(crate) fn input_schema(params: &[Param], read_only: bool) -> Map<String, Value> {
    object_schema(params.iter().filter(|p| !(read_only && p.mutating)))
}

fn object_schema<'a>(params: impl Iterator<Item = &'a Param>) -> Map<String, Value> {
    let mut properties = Map::new();
    // Per-language fields (`label_de`, `label_en`, ...) by the pattern of their names.
    let mut patterns = Map::new();
    let mut required = Vec::new();
    for p in params {
        if p.required {
            required.push(Value::from(p.name));
        }
        match p.name_pattern() {
            Some(pattern) => patterns.insert(pattern, param_schema(p)),
            None => properties.insert(p.name.to_owned(), param_schema(p)),
        };
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    // No `additionalProperties: false`: the server rejects unknown arguments itself, naming the
    // valid ones, and saying so in every schema would cost about 4 KB per tool list.
    if !properties.is_empty() {
        schema.insert("properties".into(), Value::Object(properties));
    }
    if !patterns.is_empty() {
        schema.insert("patternProperties".into(), Value::Object(patterns));
    }
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    schema
}

fn param_schema(p: &Param) -> Value {
    let mut schema = type_schema(&p.ty);
    if matches!(p.ty, Ty::TextOrMap) && !p.values.is_empty() {
        // One of the values, or a map of them (per reseller). Without `anyOf` (strict clients
        // refuse it), the values constrain the map's; the description names them for the text.
        let values: Value = p.values.iter().copied().map(Value::from).collect();
        schema = json!({"type": ["string", "object"],
                        "additionalProperties": {"type": "string", "enum": values}});
    }
    if let Value::Object(map) = &mut schema {
        if !p.values.is_empty() && !matches!(p.ty, Ty::TextOrMap) {
            let values: Value = p.values.iter().copied().map(Value::from).collect();
            // A list's allowed values constrain its items.
            match map.get_mut("items") {
                Some(Value::Object(items)) => {
                    items.insert("enum".into(), values);
                }
                _ => {
                    map.insert("enum".into(), values);
                }
            }
        }
        if let Some(min) = p.min {
            map.insert("minimum".into(), min.into());
        }
        if let Some(max) = p.max {
            map.insert("maximum".into(), max.into());
        }
        if let Some(len) = p.max_len {
            map.insert("maxLength".into(), len.into());
        }
        if let Some(format) = p.format {
            map.insert("format".into(), format.schema_name().into());
        }
        if let Some(default) = p.default {
            map.insert("default".into(), default_value(&p.ty, default));
        }
        if !p.doc.is_empty() {
            map.insert("description".into(), p.doc.into());
        }
    }
    schema
}

/// A default as JSON of the parameter's own type (the catalog writes defaults as text).
fn default_value(ty: &Ty, text: &str) -> Value {
    match ty {
        Ty::Integer => text
            .parse::<i64>()
            .map_or_else(|_| text.into(), Value::from),
        Ty::Number => text
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .unwrap_or_else(|| text.into()),
        Ty::Boolean => Value::Bool(text == "Y"),
        _ => text.into(),
    }
}

/// Free-form objects (placeholders, per-key settings) have no known fields; their values are
/// text, which is what the wire carries anyway.
fn free_form() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

fn type_schema(ty: &Ty) -> Value {
    match ty {
        Ty::String | Ty::DateTime | Ty::Date => json!({"type": "string"}),
        Ty::Integer => json!({"type": "integer"}),
        Ty::Number => json!({"type": "number"}),
        Ty::Boolean => json!({"type": "boolean"}),
        Ty::Object([]) => free_form(),
        Ty::Object(fields) => Value::Object(object_schema(fields.iter())),
        Ty::Array([]) => json!({"type": "array", "items": free_form()}),
        Ty::Array(fields) => {
            json!({"type": "array", "items": Value::Object(object_schema(fields.iter()))})
        }
        Ty::StringList => json!({"type": "array", "items": {"type": "string"}}),
        Ty::TextOrMap => {
            json!({"type": ["string", "object"], "additionalProperties": {"type": "string"}})
        }
    }
}
